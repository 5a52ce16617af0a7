"""The demo's accounts and OAuth2 clients, created once through the security services.

- `demo-doctor`: a clinician account linked to the family doctor (`fhirUser` Practitioner/…)
  of their institution; it also logs in to the web UI;
- `demo-resident`: a resident account bound to one of the doctor's patients (Patient/…);
- `demo-his`: the institution's own system (`institution-system`, client credentials,
  read-only `system/*.rs`);
- `demo-app`: the institution's app through which people log in (password grant, `user/` and
  `patient/` scopes; it cannot obtain a system token).

Passwords and secrets are generated; since the store keeps only their hashes, the demo keeps
them in `demo-credentials.json` (0600) in the key folder so that running `kangtong demo` again
prints the same working commands. It is a demo database: never run this on real data.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import orjson

from kangtong.cli.demo_cast import DemoCast
from kangtong.core.errors import Conflict
from kangtong.security.accounts import NewAccount
from kangtong.security.clients import NewClient
from kangtong.security.roles import Role
from kangtong.security.services import SecurityServices

CREDENTIALS_FILE = "demo-credentials.json"
CLINICIAN_USER = "demo-doctor"
RESIDENT_USER = "demo-resident"
HIS_CLIENT = "demo-his"
APP_CLIENT = "demo-app"
HIS_SCOPES = ("system/*.rs",)
APP_SCOPES = ("user/*.cruds", "patient/*.rs")


@dataclass(frozen=True)
class DemoCredentials:
    """What the demo's commands need; None when created earlier and no longer known."""

    clinician_password: str | None
    resident_password: str | None
    his_secret: str | None
    app_secret: str | None


def demo_password() -> str:
    """A fresh password meeting the policy: all four character classes, 20 characters."""
    return f"Kt9-{secrets.token_urlsafe(12)}"


def ensure_people(security: SecurityServices, cast: DemoCast, key_dir: Path) -> DemoCredentials:
    """Create what is missing; reuse what exists (a second run duplicates nothing)."""
    path = key_dir / CREDENTIALS_FILE
    known: dict[str, str] = orjson.loads(path.read_bytes()) if path.exists() else {}
    clinician = NewAccount(
        CLINICIAN_USER, demo_password(), (Role.CLINICIAN.value,), cast.institution,
        cast.district, f"Practitioner/{cast.practitioner}",
    )  # fmt: skip
    resident = NewAccount(
        RESIDENT_USER, demo_password(), (Role.RESIDENT.value,), None, cast.district,
        f"Patient/{cast.resident}",
    )  # fmt: skip
    his = NewClient(
        HIS_CLIENT, cast.institution, f"{cast.institution_name} HIS", "client_secret_basic",
        HIS_SCOPES, (Role.INSTITUTION_SYSTEM.value,), cast.district,
    )  # fmt: skip
    app = NewClient(
        APP_CLIENT, cast.institution, f"{cast.institution_name} app", "client_secret_basic",
        APP_SCOPES, (Role.INSTITUTION_SYSTEM.value,), cast.district,
    )  # fmt: skip
    for account in (clinician, resident):
        try:
            security.accounts.create(account)
            known[account.username] = account.password
        except Conflict:
            pass  # created by an earlier run: its password is the one kept then, if any
    for client in (his, app):
        if security.clients.client(client.client_id) is None:
            secret = security.clients.register(client)
            if secret:
                known[client.client_id] = secret
    keep_credentials(path, known)
    return DemoCredentials(
        known.get(CLINICIAN_USER), known.get(RESIDENT_USER), known.get(HIS_CLIENT),
        known.get(APP_CLIENT),
    )  # fmt: skip


def keep_credentials(path: Path, known: dict[str, str]) -> None:
    """Write the demo's secrets readable by the owner only (0600), also over a file an earlier
    copy or restore left readable by others (the mode of `os.open` only applies to a new
    file), and never through a symbolic link planted in its place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
    descriptor = os.open(path, flags, 0o600)
    os.fchmod(descriptor, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(orjson.dumps(known, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS))
