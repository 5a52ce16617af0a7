"""`kangtong demo` is the newcomer's walkthrough (issue 14): the commands it prints are run as
printed — in bash, with curl, against a real `kangtong serve` — and must show what the access
rules promise: the platform sees every record, the institution's system its own records, the
family doctor their contracted patients but not a stranger, the resident only themselves.

The demo runs twice (the second run, with the server up, must create nothing new and still
print working commands); its records are owned by the institutions that wrote them.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from kangtong.cli.demo_cast import platform_resources
from kangtong.cli.demo_load import institution_system
from kangtong.cli.main import app
from kangtong.core.config import Settings
from kangtong.platform import build_platform
from kangtong.store.database import open_database
from kangtong.store.migrate import upgrade
from kangtong.store.security_tables import account, oauth_client
from kangtong.store.tables import resource
from tests.served import Served, served

# Enough for family-doctor contracts, a stranger and an open referral (the seed is fixed).
PEOPLE = 100


@dataclass
class Walkthrough:
    server: Served
    database_url: str
    first: str  # what the first `kangtong demo` printed
    second: str  # what the second printed, with the server up

    @property
    def lines(self) -> list[str]:
        return self.second.splitlines()


@pytest.fixture(scope="module")
def walkthrough(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Walkthrough]:
    workdir = tmp_path_factory.mktemp("demo")
    database_url = f"sqlite:///{workdir / 'demo.db'}"
    db = open_database(database_url)
    upgrade(db)
    db.dispose()
    previous = os.environ.get("KANGTONG_SECURITY_KEY_DIR")
    os.environ["KANGTONG_SECURITY_KEY_DIR"] = str(workdir / "keys")  # the server's key folder
    try:
        first = _demo(database_url, "http://127.0.0.1:1")
        with served(database_url, workdir) as server:
            second = _demo(database_url, server.base)
            yield Walkthrough(server, database_url, first, second)
    finally:
        if previous is None:
            os.environ.pop("KANGTONG_SECURITY_KEY_DIR", None)
        else:
            os.environ["KANGTONG_SECURITY_KEY_DIR"] = previous


def _demo(database_url: str, base_url: str) -> str:
    args = ["demo", "--database-url", database_url, "--people", str(PEOPLE), "--base-url", base_url]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    return result.stdout


# -- running what was printed ------------------------------------------------------------------
def _command(lines: list[str], pattern: str) -> str:
    found = [line for line in lines if re.search(pattern, line) and not line.startswith("#")]
    assert len(found) == 1, f"expected one printed command matching {pattern!r}: {found}"
    return found[0]


def _token(lines: list[str], variable: str) -> str:
    """Run the printed `VARIABLE=$(…)` line in bash and return what it put in the variable."""
    line = _command(lines, rf"^{variable}=\$\(")
    done = subprocess.run(["bash", "-c", f'{line}\nprintf %s "${variable}"'], capture_output=True,
                          text=True, timeout=120, check=True)  # fmt: skip
    assert done.stdout.count(".") == 2, f"{variable} is not a JWT: {done.stderr[-500:]}"
    return done.stdout


def _curl(lines: list[str], variable: str, path_pattern: str, token: str) -> tuple[int, Any]:
    """Run the printed curl line of `variable` whose URL matches; (status, JSON body)."""
    found = [
        line
        for line in lines
        if line.startswith("curl ") and f'Bearer ${variable}"' in line
        and re.search(path_pattern, line.rsplit(" ", 1)[1].strip('"'))
    ]  # fmt: skip
    assert len(found) == 1, f"expected one printed curl of {variable} to {path_pattern!r}: {found}"
    line = found[0]
    done = subprocess.run(["bash", "-c", line + " -w '\\n%{http_code}'"], capture_output=True,
                          text=True, timeout=60, check=True, env={**os.environ, variable: token})  # fmt: skip
    body, _, status = done.stdout.rpartition("\n")
    return int(status), orjson.loads(body)


def _ids(bundle: dict[str, Any], res_type: str, mode: str = "match") -> list[str]:
    return [
        e["resource"]["id"]
        for e in bundle.get("entry", [])
        if e["resource"]["resourceType"] == res_type and e.get("search", {}).get("mode") == mode
    ]


def _printed_id(lines: list[str], pattern: str) -> str:
    match = re.search(pattern, "\n".join(lines), re.MULTILINE)
    assert match, f"nothing printed matches {pattern!r}"
    return match.group(1)


# -- the walkthrough ---------------------------------------------------------------------------
def test_commands_are_one_per_line_with_the_full_kangtong_path_and_database(
    walkthrough: Walkthrough,
) -> None:
    issue = _command(walkthrough.lines, r"^SYSTEM=\$\(")
    executable = issue.removeprefix("SYSTEM=$(").split()[0]
    assert Path(executable).is_absolute() and Path(executable).name == "kangtong"
    assert f"--database-url {walkthrough.database_url}" in issue
    for line in walkthrough.lines:
        if line.startswith("curl"):
            assert "Authorization: Bearer $" in line and walkthrough.server.base in line


def test_the_platform_sees_every_patient_and_the_institution_only_its_own(
    walkthrough: Walkthrough,
) -> None:
    lines = walkthrough.lines
    system = _token(lines, "SYSTEM")
    status, everyone = _curl(lines, "SYSTEM", r"/fhir/Patient\?_summary=count", system)
    assert status == 200
    with open_database(walkthrough.database_url).engine.connect() as conn:
        stored = conn.execute(
            select(func.count()).select_from(resource).where(resource.c.res_type == "Patient")
        ).scalar_one()
    assert everyone["total"] == stored

    his = _token(lines, "HIS")
    status, own = _curl(lines, "HIS", r"/fhir/Patient\?_summary=count", his)
    assert status == 200 and 0 < own["total"] < everyone["total"]
    visible = httpx.get(f"{walkthrough.server.fhir}/Patient", params={"_count": "1000"},
                        headers={"Authorization": f"Bearer {his}"}).json()  # fmt: skip
    resident = _printed_id(lines, r"demo-resident, Patient/([0-9a-f-]+)")
    stranger = _printed_id(lines, r"/fhir/Patient/([0-9a-f-]+)\"")
    assert resident in _ids(visible, "Patient")  # the institution's own registration
    assert stranger not in _ids(visible, "Patient")


def test_the_family_doctor_sees_their_patients_and_is_refused_a_stranger(
    walkthrough: Walkthrough,
) -> None:
    lines = walkthrough.lines
    doctor = _token(lines, "CLINICIAN")
    status, contracts = _curl(lines, "CLINICIAN", r"/fhir/EpisodeOfCare\?care-manager=", doctor)
    assert status == 200 and contracts["total"] >= 1
    practitioner = _printed_id(lines, r"care-manager=Practitioner/([0-9a-f-]+)")
    patients = set()
    for entry in contracts["entry"]:
        episode = entry["resource"]
        if episode["resourceType"] == "EpisodeOfCare":
            assert episode["careManager"]["reference"] == f"Practitioner/{practitioner}"
            patients.add(episode["patient"]["reference"].removeprefix("Patient/"))
    assert patients and patients == set(_ids(contracts, "Patient", "include"))
    for patient in patients:
        read = httpx.get(f"{walkthrough.server.fhir}/Patient/{patient}",
                         headers={"Authorization": f"Bearer {doctor}"})  # fmt: skip
        assert read.status_code == 200

    status, refusal = _curl(lines, "CLINICIAN", r"/fhir/Patient/[0-9a-f-]+$", doctor)
    assert status == 403
    assert refusal["resourceType"] == "OperationOutcome"
    assert refusal["issue"][0]["diagnostics"] == "Denied: no care relationship with the patient"


def test_the_resident_sees_only_themselves(walkthrough: Walkthrough) -> None:
    lines = walkthrough.lines
    resident = _token(lines, "RESIDENT")
    status, own = _curl(lines, "RESIDENT", r"/fhir/Patient$", resident)
    assert status == 200
    assert _ids(own, "Patient") == [_printed_id(lines, r"demo-resident, Patient/([0-9a-f-]+)")]
    status, refusal = _curl(lines, "RESIDENT", r"/fhir/Patient/[0-9a-f-]+$", resident)
    assert status == 403 and refusal["resourceType"] == "OperationOutcome"


def test_the_printed_web_login_opens_a_session(walkthrough: Walkthrough) -> None:
    login = _printed_id(walkthrough.lines, r"(/login .*)$")
    user, password = re.findall(r"user (\S+)\s+password (\S+)", login)[0]
    with httpx.Client(base_url=walkthrough.server.base) as browser:
        form = browser.get("/login")
        csrf = form.cookies["kt_login_csrf"]
        done = browser.post("/login", data={"username": user, "password": password,
                                            "csrf_token": csrf})  # fmt: skip
    assert done.status_code == 303 and done.headers["location"] == "/me"


def test_a_second_run_creates_nothing_new_and_prints_the_same_commands(
    walkthrough: Walkthrough,
) -> None:
    assert "not loaded again" in walkthrough.second
    commands = ("curl", "HIS=", "CLINICIAN=", "RESIDENT=", "SYSTEM=")
    first = [
        line.replace("http://127.0.0.1:1", walkthrough.server.base)
        for line in walkthrough.first.splitlines()
        if line.startswith(commands)
    ]
    second = [line for line in walkthrough.lines if line.startswith(commands)]
    assert first == second
    with open_database(walkthrough.database_url).engine.connect() as conn:
        accounts = conn.execute(select(func.count()).select_from(account)).scalar_one()
        clients = conn.execute(select(func.count()).select_from(oauth_client)).scalar_one()
    assert (accounts, clients) == (2, 2)


def test_every_record_is_owned_by_an_institution_of_the_district(walkthrough: Walkthrough) -> None:
    """Every loaded record; the master patient index's Person records are the platform's own."""
    with open_database(walkthrough.database_url).engine.connect() as conn:
        rows = conn.execute(
            select(resource.c.res_type, resource.c.owner_org, resource.c.district).where(
                resource.c.res_type != "Person"
            )
        ).all()
    assert rows and all(owner for _t, owner, _d in rows), "a record without an owner"
    assert {district for _t, _o, district in rows} == {"520103"}  # the synthetic district


def test_an_open_referral_is_a_care_relationship_of_the_institution_it_is_addressed_to(
    walkthrough: Walkthrough,
) -> None:
    """A referral the sending institution's system wrote for a patient it holds a contract
    with opens that patient's record to the receiving institution (care_trust.py)."""
    platform = build_platform(Settings(database_url=walkthrough.database_url))
    try:
        policy = platform.service.policy
        counted = []
        for request in platform_resources(platform, "ServiceRequest", [("status", "active")]):
            receiver = request["performer"][0]["reference"].removeprefix("Organization/")
            patient_id = request["subject"]["reference"].removeprefix("Patient/")
            patient = next(platform_resources(platform, "Patient", [("_id", patient_id)]))
            assert patient["managingOrganization"]["reference"] != f"Organization/{receiver}"
            ctx = institution_system(receiver, "520103")
            counted.append(policy.decision(ctx, "read", "Patient", patient).allowed)  # type: ignore[attr-defined]
    finally:
        platform.close()
    assert True in counted, "no open referral of the demo region counts as a care relationship"
