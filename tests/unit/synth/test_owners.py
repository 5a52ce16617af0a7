"""Who wrote each synthetic record (`synth/owners.py`), and referrals that are still open."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from kangtong.synth import SynthSummary
from kangtong.synth.fhir.orders import REFERRAL_OPEN_DAYS
from kangtong.synth.owners import SynthOwners
from tests.unit.synth.conftest import SMALL_DISTRICT

LEARN_FIRST = ("Organization", "Location", "PractitionerRole", "Practitioner", "Patient")


def _in_load_order(fhir: Path) -> Iterator[dict[str, Any]]:
    names = sorted(p.name.removesuffix(".ndjson") for p in fhir.glob("*.ndjson"))
    for name in [*LEARN_FIRST, *(n for n in names if n not in LEARN_FIRST)]:
        for line in (fhir / f"{name}.ndjson").read_bytes().splitlines():
            yield orjson.loads(line)


def _ref(value: dict[str, Any], prefix: str = "Organization/") -> str:
    reference: str = value["reference"]
    assert reference.startswith(prefix)
    return reference.removeprefix(prefix)


def _is_department(organization: dict[str, Any]) -> bool:
    return any(c["code"] == "dept" for t in organization["type"] for c in t["coding"])


def test_every_record_has_an_owning_institution_named_in_the_data(
    district: tuple[Path, SynthSummary],
) -> None:
    owners = SynthOwners()
    patient_owner: dict[str, str] = {}
    seen: set[str] = set()
    for resource in _in_load_order(district[0] / "fhir"):
        owners.learn(resource)
        owner = owners.owner(resource)
        kind = resource["resourceType"]
        seen.add(kind)
        assert owner, f"{kind}/{resource['id']} names no owner"
        if kind == "Patient":
            assert owner == _ref(resource["managingOrganization"])
            patient_owner[resource["id"]] = owner
        elif kind == "Encounter":
            assert owner == _ref(resource["serviceProvider"])
            assert owner == patient_owner[_ref(resource["subject"], "Patient/")]
        elif kind == "ServiceRequest":  # a referral belongs to the institution that wrote it
            assert owner == patient_owner[_ref(resource["subject"], "Patient/")]
            assert owner != _ref(resource["performer"][0])
        elif kind == "Organization" and _is_department(resource):
            assert owner == _ref(resource["partOf"])  # a department is its facility's
    assert {"Practitioner", "EpisodeOfCare", "ServiceRequest", "Task"} <= seen


def test_referrals_of_the_last_days_of_the_window_are_still_open(
    district: tuple[Path, SynthSummary],
) -> None:
    fhir = district[0] / "fhir"
    requests = [orjson.loads(line) for line in (fhir / "ServiceRequest.ndjson").read_bytes().splitlines()]  # fmt: skip
    tasks = {
        orjson.loads(line)["focus"]["reference"]: orjson.loads(line)
        for line in (fhir / "Task.ndjson").read_bytes().splitlines()
    }
    opened = dt.date.fromisoformat(str(SMALL_DISTRICT.as_of)) - dt.timedelta(REFERRAL_OPEN_DAYS)
    statuses = set()
    for request in requests:
        written = dt.date.fromisoformat(request["authoredOn"][:10])
        task = tasks[f"ServiceRequest/{request['id']}"]
        expected = ("active", "accepted") if written >= opened else ("completed", "completed")
        assert (request["status"], task["status"]) == expected
        statuses.add(request["status"])
    assert statuses == {"active", "completed"}
