"""The copy-paste commands `kangtong demo` prints: one per line, never wrapped.

Each block gets a token (the platform's own, the institution's system by client credentials,
the family doctor and the resident by the password grant through the institution's app) into
a shell variable, then calls the API with it. The kangtong command is named by its full path,
with the database URL the demo used; run them where the demo ran (the key folder and a SQLite
path may be relative to it).
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

from kangtong.cli.demo_cast import DemoCast
from kangtong.cli.demo_people import (
    APP_CLIENT,
    CLINICIAN_USER,
    HIS_CLIENT,
    RESIDENT_USER,
    DemoCredentials,
)

ACCESS_TOKEN = """python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])'"""
UNKNOWN = "SHOWN-WHEN-FIRST-CREATED"  # a secret an earlier run created and no longer knows


def kangtong_executable() -> str:
    """The full path of the running `kangtong` command (e.g. /srv/kangtong/.venv/bin/kangtong)."""
    invoked = Path(sys.argv[0])
    if invoked.name == "kangtong" and invoked.exists():
        return str(invoked.absolute())
    beside = Path(sys.executable).with_name("kangtong")  # the venv's scripts folder
    return str(beside.absolute()) if beside.exists() else "kangtong"


def demo_commands(
    cast: DemoCast,
    credentials: DemoCredentials,
    *,
    kangtong: str,
    database_url: str | None,
    base_url: str,
) -> list[str]:
    """Comment lines (`# …`) and shell lines, in the order a reader runs them."""
    base = base_url.rstrip("/")
    db = f" --database-url {shlex.quote(database_url)}" if database_url else ""
    token_url = f"{base}/oauth2/token"

    def get(variable: str, path: str) -> str:
        return f'curl -s -H "Authorization: Bearer ${variable}" "{base}/fhir/{path}"'

    def password_grant(user: str, password: str | None, scope: str) -> str:
        return (
            f"$(curl -s -u {APP_CLIENT}:{credentials.app_secret or UNKNOWN} "
            f"-d grant_type=password -d username={user} "
            f"-d {shlex.quote('password=' + (password or UNKNOWN))} "
            f"-d {shlex.quote('scope=' + scope)} {token_url} | {ACCESS_TOKEN})"
        )

    his_secret = credentials.his_secret or UNKNOWN
    doctor = f"Practitioner/{cast.practitioner}"
    return [
        "# 1. The platform's own token (system): every record of the region",
        f"SYSTEM=$({shlex.quote(kangtong)} auth issue-token --role system --subject demo{db})",
        get("SYSTEM", "Patient?_summary=count"),
        f"# 2. {cast.institution_name}'s own system ({HIS_CLIENT}, client credentials): "
        "its own records and the patients it cares for",
        f"HIS=$(curl -s -u {HIS_CLIENT}:{his_secret} -d grant_type=client_credentials "
        f"{token_url} | {ACCESS_TOKEN})",
        get("HIS", "Patient?_summary=count"),
        f"# 3. Family doctor {cast.practitioner_name} ({CLINICIAN_USER}): the residents under "
        "contract, and a refusal for a patient of another institution",
        "CLINICIAN="
        + password_grant(CLINICIAN_USER, credentials.clinician_password, "user/*.cruds"),
        get(
            "CLINICIAN",
            f"EpisodeOfCare?care-manager={doctor}&status=active&_include=EpisodeOfCare:patient",
        ),
        get("CLINICIAN", f"Patient/{cast.stranger}"),
        f"# 4. A resident ({RESIDENT_USER}, Patient/{cast.resident}): only their own record",
        "RESIDENT=" + password_grant(RESIDENT_USER, credentials.resident_password, "patient/*.rs"),
        get("RESIDENT", "Patient"),
        get("RESIDENT", f"Patient/{cast.stranger}"),
        f"# 5. Web login (网页登录): {base}/login  user {CLINICIAN_USER}  password "
        f"{credentials.clinician_password or UNKNOWN}",
    ]
