"""Security alerts for an institution's administrator (机构管理员), read from the audit trail.

The alerts are audit events (`security-alert`, see `care_events`; `consent-alert` and
`guardian-alert`, see `record_gate`), so they are as tamper-evident
as the rest of the chain and need no table of their own. Each names the institution concerned
(an `Organization/…` entity), the caller who raised it and the patient, by reference only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from kangtong.core.clock import epoch_us
from kangtong.security.care_events import SECURITY_ALERT
from kangtong.security.record_gate import CONSENT_ALERT, GUARDIAN_ALERT
from kangtong.store.audit_log import AuditLogStore
from kangtong.store.database import Database

# A clinician registering a stranger; staff permitting themselves; a guardianship refused.
ALERTS = (SECURITY_ALERT, CONSENT_ALERT, GUARDIAN_ALERT)


@dataclass(frozen=True)
class SecurityAlert:
    recorded: str
    kind: str
    principal: str
    patients: tuple[str, ...]


class SecurityAlerts:
    def __init__(self, db: Database) -> None:
        self._db = db

    def for_organization(self, organization: str, since: datetime) -> list[SecurityAlert]:
        """Alerts about `organization` recorded since `since`, oldest first."""
        store = AuditLogStore()
        with self._db.read() as conn:
            rows = [r for a in ALERTS for r in store.rows_of_action(conn, a, epoch_us(since))]
        alerts = []
        for row in sorted(rows, key=lambda r: r.seq):
            event = orjson.loads(row.event)
            if f"Organization/{organization}" in _references(event):
                alerts.append(_alert(event))
        return alerts


def _references(event: dict[str, Any]) -> set[str]:
    return {
        e["what"]["reference"] for e in event.get("entity", []) if "reference" in e.get("what", {})
    }


def _alert(event: dict[str, Any]) -> SecurityAlert:
    who: dict[str, Any] = next((a["who"] for a in event.get("agent", []) if a.get("requestor")), {})
    principal = who.get("reference") or who.get("identifier", {}).get("value", "")
    subtype = (event.get("subtype") or [{}])[0].get("code", "")
    patients = sorted(r for r in _references(event) if r.startswith("Patient/"))
    return SecurityAlert(event.get("recorded", ""), subtype, principal, tuple(patients))
