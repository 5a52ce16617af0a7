"""Loading the synthetic demo region as its institutions wrote it (issue 14).

Each record goes through the one write path as a write of its owning institution's system
(`institution-system` of that Organization, in the region's district), so the store records
owner, district and writer exactly as for an institution's own upload — and family-doctor
contracts, registrations and referrals count as the care relationships they are
(`security/care_trust.py` trusts an institution's own system for its registrations).
"""

from __future__ import annotations

from pathlib import Path

import orjson
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from kangtong.fhir.access import AccessContext
from kangtong.fhir.loader import LoadReport, ResourceLoader
from kangtong.platform import Platform
from kangtong.security.roles import Role
from kangtong.store.statistics import refresh_statistics
from kangtong.synth.owners import SynthOwners

# Owners of Practitioners and of clinical records are learned from these, so they go first.
LEARN_FIRST = ("Organization", "Location", "PractitionerRole", "Practitioner", "Patient")
Part = tuple[str | None, Path]  # (owning Organization id or None for the platform, NDJSON file)


def institution_system(organization: str, district: str | None) -> AccessContext:
    """The caller an institution's own system (HIS, 前置机) is when it uploads its records."""
    return AccessContext(
        principal=f"demo-loader/{organization}",
        organization=organization,
        district=district or None,
        roles=frozenset({Role.INSTITUTION_SYSTEM.value}),
        scopes=frozenset({"system/*.cruds"}),
    )


def split_by_owner(fhir_dir: Path, work: Path) -> list[Part]:
    """The synthetic NDJSON files cut into one file per (resource type, owner), in load order."""
    files = {path.name.removesuffix(".ndjson"): path for path in sorted(fhir_dir.glob("*.ndjson"))}
    order = [t for t in LEARN_FIRST if t in files] + [t for t in files if t not in LEARN_FIRST]
    owners = SynthOwners()
    parts: list[Part] = []
    for res_type in order:
        groups: dict[str | None, list[bytes]] = {}
        with files[res_type].open("rb") as lines:
            for line in lines:
                if not line.strip():
                    continue
                resource = orjson.loads(line)
                owners.learn(resource)
                groups.setdefault(owners.owner(resource), []).append(line.rstrip(b"\n") + b"\n")
        for owner in sorted(groups, key=lambda o: o or ""):
            path = work / f"{len(parts):04d}-{res_type}.ndjson"
            path.write_bytes(b"".join(groups[owner]))
            parts.append((owner, path))
    return parts


def load_as_owners(
    platform: Platform, fhir_dir: Path, work: Path, district: str | None, console: Console
) -> LoadReport:
    """Load `fhir_dir` with every record written by its owning institution's system."""
    parts = split_by_owner(fhir_dir, work)
    loader = ResourceLoader(platform.service, platform.bundles)
    report = LoadReport()
    columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())  # fmt: skip
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("loading", total=len(parts))
        for owner, path in parts:
            progress.update(task, description=path.name.split("-", 1)[1])
            ctx = institution_system(owner, district) if owner else AccessContext.system("demo")
            loader.load_file(ctx, path, report, lambda _n: None)
            progress.advance(task)
    if report.loaded:
        refresh_statistics(platform.db)  # the planner should see the data as it now is
    return report
