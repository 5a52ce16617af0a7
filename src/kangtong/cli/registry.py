"""`kangtong org …` and `kangtong practitioner …`: the registries from the command line (thin)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.table import Table

from kangtong.cli.common import DatabaseOption, platform_for
from kangtong.core.errors import KangtongError
from kangtong.registry import systems

if TYPE_CHECKING:
    from kangtong.fhir.access import AccessContext
    from kangtong.registry.institutions import Institution
    from kangtong.registry.registries import Registries

console = Console()
org_app = typer.Typer(
    help="机构注册: institutions, departments and locations.", no_args_is_help=True
)
practitioner_app = typer.Typer(
    help="医务人员注册: practitioners, roles and privileges.", no_args_is_help=True
)


def ctx() -> AccessContext:
    """Who the registry commands act as (built when a command runs: `--help` loads no store)."""
    from kangtong.fhir.access import AccessContext

    return AccessContext.system("registry-cli")


def register(app: typer.Typer) -> None:
    app.add_typer(org_app, name="org")
    app.add_typer(practitioner_app, name="practitioner")


@contextmanager
def registries(database_url: str | None) -> Iterator[Registries]:
    """The registries on the configured database; a refused request exits with status 1."""
    platform = platform_for(database_url)
    try:
        yield platform.registries
    except KangtongError as exc:
        console.print(f"[red]refused:[/red] {exc.message}")
        for issue in exc.issues[1:]:
            console.print(f"  {issue.diagnostics}")
        raise typer.Exit(1) from None
    finally:
        platform.close()


def _level(text: str | None) -> str | None:
    if text is None:
        return None
    try:
        return systems.level_code(text)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


def _print_institutions(found: list[Institution]) -> None:
    table = Table("name", "USCC", "type", "level", "active")
    table.add_column("id", no_wrap=True)
    for i in found:
        kind = systems.INSTITUTION_TYPES.get(i.institution_type or "", "")
        level = systems.HOSPITAL_LEVELS.get(i.level or "", "")
        table.add_row(i.name, i.uscc or "", kind, level, "yes" if i.active else "no", i.id)
    console.print(table)


def _print_fields(fields: dict[str, Any]) -> None:
    for key, value in fields.items():
        if value not in (None, "", ()):
            console.print(f"[bold]{key}[/bold]: {value}")


# -- institutions ------------------------------------------------------------------------
NAME = typer.Option(..., "--name", help="Institution name, e.g. 云岩区人民医院")
TYPE_HELP = "Institution type: " + ", ".join(systems.INSTITUTION_TYPES)


@org_app.command("register")
def org_register(
    name: str = NAME,
    uscc: str | None = typer.Option(None, help="统一社会信用代码 (GB 32100)"),
    kind: str | None = typer.Option(None, "--type", help=TYPE_HELP),
    level: str | None = typer.Option(None, help="Hospital level: 3A … 1C or 三级甲等 …"),
    parent: str | None = typer.Option(None, help="Id of the parent Organization"),
    address: str | None = typer.Option(None, help="Street address"),
    district: str | None = typer.Option(None, help="District name, e.g. 云岩区"),
    district_code: str | None = typer.Option(None, help="GB/T 2260 code, e.g. 520103"),
    phone: str | None = typer.Option(None),
    contact: str | None = typer.Option(None, help="Contact person or office"),
    database_url: str | None = DatabaseOption,
) -> None:
    """Register an institution; a bad or already registered USCC is refused."""
    from kangtong.registry.institutions import Institution

    institution = Institution(
        name, uscc, kind, _level(level), parent, address, district, district_code, phone, contact
    )
    with registries(database_url) as r:
        stored = r.organizations.register(ctx(), institution)
    console.print(f"registered Organization/{stored.id}")


@org_app.command("update")
def org_update(
    institution_id: str = typer.Argument(..., help="Organization id"),
    name: str | None = typer.Option(None),
    uscc: str | None = typer.Option(None),
    kind: str | None = typer.Option(None, "--type", help=TYPE_HELP),
    level: str | None = typer.Option(None),
    parent: str | None = typer.Option(None),
    address: str | None = typer.Option(None),
    district: str | None = typer.Option(None),
    district_code: str | None = typer.Option(None),
    phone: str | None = typer.Option(None),
    contact: str | None = typer.Option(None),
    database_url: str | None = DatabaseOption,
) -> None:
    """Change the given fields of an institution (a new version; history is kept)."""
    changes = {
        "name": name,
        "uscc": uscc,
        "institution_type": kind,
        "level": _level(level),
        "parent_id": parent,
        "address": address,
        "district": district,
        "district_code": district_code,
        "phone": phone,
        "contact": contact,
    }
    with registries(database_url) as r:
        current = r.organizations.show(ctx(), institution_id)
        given: dict[str, Any] = {k: v for k, v in changes.items() if v is not None}
        stored = r.organizations.update(ctx(), replace(current, **given))
    console.print(f"updated Organization/{stored.id}")


@org_app.command("deactivate")
def org_deactivate(
    institution_id: str = typer.Argument(...), database_url: str | None = DatabaseOption
) -> None:
    """Deactivate (注销) an institution: active=false in a new version, never a delete."""
    with registries(database_url) as r:
        r.organizations.deactivate(ctx(), institution_id)
    console.print(f"deactivated Organization/{institution_id}")


@org_app.command("show")
def org_show(
    institution_id: str = typer.Argument(...), database_url: str | None = DatabaseOption
) -> None:
    """Show an institution with its departments and locations."""
    with registries(database_url) as r:
        i = r.organizations.show(ctx(), institution_id)
        departments = r.units.departments(ctx(), institution_id)
        sites = r.units.sites(ctx(), institution_id)
    _print_fields(
        {
            "id": i.id,
            "name": i.name,
            "USCC": i.uscc,
            "type": systems.INSTITUTION_TYPES.get(i.institution_type or ""),
            "level": systems.HOSPITAL_LEVELS.get(i.level or ""),
            "parent": i.parent_id and f"Organization/{i.parent_id}",
            "address": " ".join(x for x in (i.district, i.address) if x),
            "district code": i.district_code,
            "phone": i.phone,
            "contact": i.contact,
            "active": "yes" if i.active else "no",
            "departments": "、".join(d.name for d in departments),
            "locations": "、".join(s.name for s in sites),
        }
    )


@org_app.command("search")
def org_search(
    name: str | None = typer.Option(None, help="Hanzi or pinyin (rmyy finds 人民医院)"),
    uscc: str | None = typer.Option(None),
    kind: str | None = typer.Option(None, "--type", help=TYPE_HELP),
    include_inactive: bool = typer.Option(False, "--include-inactive"),
    database_url: str | None = DatabaseOption,
) -> None:
    """Search institutions by name (hanzi or pinyin), USCC or type."""
    with registries(database_url) as r:
        found = r.organizations.search(
            ctx(), name=name, uscc=uscc, institution_type=kind, include_inactive=include_inactive
        )
    _print_institutions(found)


@org_app.command("add-department")
def org_add_department(
    institution_id: str = typer.Argument(...),
    name: str = typer.Option(..., help="Department name, e.g. 心血管内科"),
    database_url: str | None = DatabaseOption,
) -> None:
    """Add a department (科室) to an active institution."""
    from kangtong.registry.units import Department

    with registries(database_url) as r:
        stored = r.units.add_department(ctx(), Department(institution_id, name))
    console.print(f"registered Organization/{stored.id} (department)")


@org_app.command("add-location")
def org_add_location(
    institution_id: str = typer.Argument(...),
    name: str = typer.Option(..., help="e.g. 门诊楼, 住院部三病区"),
    kind: str = typer.Option(
        "bu", help="si site, bu building, wi wing, lvl level, wa ward, ro room"
    ),
    address: str | None = typer.Option(None),
    parent: str | None = typer.Option(None, help="Id of the enclosing Location"),
    database_url: str | None = DatabaseOption,
) -> None:
    """Add a location (院区, 楼宇, 病区 …) managed by an active institution."""
    from kangtong.registry.units import Site

    with registries(database_url) as r:
        stored = r.units.add_site(ctx(), Site(institution_id, name, kind, address, parent))
    console.print(f"registered Location/{stored.id}")


# -- practitioners ---------------------------------------------------------------------------
def _day(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        raise typer.BadParameter(f"'{value}' is not a date (YYYY-MM-DD)") from None


@practitioner_app.command("register")
def practitioner_register(
    name: str = typer.Option(..., help="Full name, e.g. 张明"),
    citizen_id: str = typer.Option(..., help="居民身份证号 (18 characters)"),
    doctor_licence: str | None = typer.Option(None, help="医师执业证书编码"),
    nurse_licence: str | None = typer.Option(None, help="护士执业证书编码"),
    phone: str | None = typer.Option(None),
    database_url: str | None = DatabaseOption,
) -> None:
    """Register a practitioner; invalid or already registered ID or licence numbers are refused."""
    from kangtong.registry.practitioners import HealthWorker, Licence

    licences = tuple(
        Licence(kind, number)
        for kind, number in (("doctor", doctor_licence), ("nurse", nurse_licence))
        if number
    )
    with registries(database_url) as r:
        stored = r.practitioners.register(ctx(), HealthWorker(name, citizen_id, licences, phone))
    console.print(f"registered Practitioner/{stored.id}")


@practitioner_app.command("show")
def practitioner_show(
    practitioner_id: str = typer.Argument(...), database_url: str | None = DatabaseOption
) -> None:
    """Show a practitioner and their roles (the ID number is masked)."""
    from kangtong.registry.rules import masked_citizen_id

    with registries(database_url) as r:
        w = r.practitioners.show(ctx(), practitioner_id)
        roles = r.practitioners.roles(ctx(), practitioner_id)
    _print_fields(
        {
            "id": w.id,
            "name": w.name,
            "citizen ID": masked_citizen_id(w.citizen_id),
            "licences": ", ".join(f"{x.profession} {x.number}" for x in w.licences),
            "active": "yes" if w.active else "no",
        }
    )
    table = Table("role id", "organization", "department", "role", "specialty", "from", "to")
    for role in roles:
        table.add_row(
            role.id,
            role.organization_id,
            role.department_id or "",
            role.role,
            role.specialty or "",
            str(role.start or ""),
            str(role.end or ""),
        )
    console.print(table)


@practitioner_app.command("search")
def practitioner_search(
    name: str | None = typer.Option(None, help="Hanzi or pinyin"),
    licence: str | None = typer.Option(None, help="Doctor or nurse licence number"),
    database_url: str | None = DatabaseOption,
) -> None:
    """Search practitioners by name (hanzi or pinyin) or licence number."""
    with registries(database_url) as r:
        found = r.practitioners.search(ctx(), name=name, licence=licence)
    table = Table("name", "licences", "active")
    table.add_column("id", no_wrap=True)
    for w in found:
        licences = ", ".join(x.number for x in w.licences)
        table.add_row(w.name, licences, "yes" if w.active else "no", w.id)
    console.print(table)


@practitioner_app.command("add-role")
def practitioner_add_role(
    practitioner_id: str = typer.Argument(...),
    organization: str = typer.Option(..., help="Id of the institution (Organization)"),
    role: str = typer.Option("doctor", help=", ".join(systems.PRACTITIONER_ROLES)),
    department: str | None = typer.Option(None, help="Id of the department Organization"),
    specialty: str | None = typer.Option(None, help="执业范围, e.g. 内科专业"),
    start: str | None = typer.Option(None, help="YYYY-MM-DD"),
    end: str | None = typer.Option(None, help="YYYY-MM-DD"),
    database_url: str | None = DatabaseOption,
) -> None:
    """Give a practitioner a role at an institution (one per institution they work at)."""
    from kangtong.registry.practitioners import Role

    post = Role(practitioner_id, organization, role, department, specialty, _day(start), _day(end))
    with registries(database_url) as r:
        stored = r.practitioners.add_role(ctx(), post)
    console.print(f"registered PractitionerRole/{stored.id}")


@practitioner_app.command("grant")
def practitioner_grant(
    practitioner_id: str = typer.Argument(...),
    organization: str = typer.Option(..., help="Id of the granting institution"),
    privilege: str = typer.Option(..., help=", ".join(systems.PRIVILEGES)),
    level: str | None = typer.Option(
        None, help="surgery: 1-4; antibiotic: non-restricted, restricted, special"
    ),
    document_type: str | None = typer.Option(
        None, help="WS/T 500 type C0001…C0053 (document rights; default all)"
    ),
    start: str | None = typer.Option(None, help="YYYY-MM-DD (default today)"),
    end: str | None = typer.Option(None, help="YYYY-MM-DD (default open)"),
    database_url: str | None = DatabaseOption,
) -> None:
    """Grant a privilege at an institution for a period (the practitioner must hold a role there)."""
    from kangtong.registry.grants import Grant

    with registries(database_url) as r:
        grant = Grant(
            practitioner_id,
            organization,
            privilege,
            _day(start) or r.today(),
            _day(end),
            level,
            document_type,
        )
        stored = r.privileges.grant(ctx(), grant)
    console.print(f"granted Basic/{stored.id}")


@practitioner_app.command("revoke")
def practitioner_revoke(
    grant_id: str = typer.Argument(..., help="Id of the grant (Basic), see `privileges`"),
    on: str | None = typer.Option(None, help="First day it no longer holds (default today)"),
    database_url: str | None = DatabaseOption,
) -> None:
    """Revoke a grant from a day on (a new version; a grant not yet started is deleted)."""
    with registries(database_url) as r:
        stored = r.privileges.revoke(ctx(), grant_id, _day(on) or r.today())
    console.print(f"revoked Basic/{grant_id}" + (f" (valid until {stored.end})" if stored else ""))


@practitioner_app.command("privileges")
def practitioner_privileges(
    practitioner_id: str = typer.Argument(...),
    organization: str = typer.Option(..., help="Id of the institution"),
    date: str | None = typer.Option(None, help="YYYY-MM-DD (default today)"),
    database_url: str | None = DatabaseOption,
) -> None:
    """List the grants at an institution and what they allow on a day."""
    with registries(database_url) as r:
        day = _day(date) or r.today()
        grants = r.privileges.grants_of(ctx(), practitioner_id, organization)
        effective = r.privileges.privileges_of(ctx(), practitioner_id, organization, day)
    table = Table("grant id", "privilege", "level", "document type", "from", "to", f"valid {day}")
    for g in grants:
        table.add_row(
            g.id,
            systems.PRIVILEGES.get(g.privilege, g.privilege),
            g.level or "",
            g.document_type or "",
            str(g.start),
            str(g.end or ""),
            "yes" if g.valid_on(day) else "no",
        )
    console.print(table)
    rights = sorted(f"{d.right}:{d.document_type or '*'}" for d in effective.document_rights)
    _print_fields(
        {
            "处方权": "yes" if effective.may_prescribe else "no",
            "麻精药品处方权": "yes" if effective.may_prescribe_narcotics else "no",
            "手术级别": effective.surgery_level or "none",
            "抗菌药物": effective.antibiotic_grade or "none",
            "document rights": ", ".join(rights) or "none",
        }
    )
