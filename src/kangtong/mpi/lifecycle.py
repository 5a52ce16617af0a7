"""档案管理 — the lifecycle of a resident's health record on the master person.

    unopened ──建档 open──▶ open ──注销 close (death | emigration)──▶ closed
                             │  ▲                                      │
                 属地变更 transfer (new district)           open again (emigration only)

Each transition is a new version of the Person (its `health-record-status` and
`health-record-district` extensions), so `Person/{id}/_history` is the record's history; each
is also announced as an `mpi.record-*` event. A transition the state does not allow is refused
(Conflict) and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from kangtong.core.errors import Conflict, Invalid
from kangtong.core.ids.areas import PROVINCE_CODES
from kangtong.core.jsonutil import parse_fhir_json
from kangtong.fhir.access import AccessContext
from kangtong.mpi.filing import MpiWriter, merged_into_of
from kangtong.mpi.person_resource import RecordStatus, record_status_of

CLOSE_REASONS = ("death", "emigration")
_DISTRICT = re.compile(r"\d{6}")


@dataclass(frozen=True)
class RecordEvent:
    """One version of the record's lifecycle (for `$record-history`)."""

    version: int
    recorded: str
    status: RecordStatus


class RecordLifecycle:
    def __init__(self, writer: MpiWriter, zone: ZoneInfo) -> None:
        self.writer = writer
        self.zone = zone

    def open(
        self, ctx: AccessContext, person_id: str, district: str, on: dt.date | None = None
    ) -> RecordStatus:
        """建档: open the health record in `district` (GB/T 2260)."""
        _check_district(district)

        def rule(current: RecordStatus) -> RecordStatus:
            reopen = current.status == "closed" and current.reason == "emigration"
            if current.status != "unopened" and not reopen:
                raise Conflict(f"The health record is {_state(current)}: it cannot be opened")
            return RecordStatus("open", None, self._day(on), district)

        return self._transition(ctx, person_id, "mpi.record-opened", rule)

    def close(
        self, ctx: AccessContext, person_id: str, reason: str, on: dt.date | None = None
    ) -> RecordStatus:
        """注销: close the record on death or emigration."""
        if reason not in CLOSE_REASONS:
            raise Invalid(f"reason must be one of {', '.join(CLOSE_REASONS)}")

        def rule(current: RecordStatus) -> RecordStatus:
            if current.status != "open":
                raise Conflict(f"The health record is {_state(current)}: only an open one closes")
            return RecordStatus("closed", reason, self._day(on), current.district)

        return self._transition(ctx, person_id, "mpi.record-closed", rule)

    def transfer(
        self, ctx: AccessContext, person_id: str, district: str, on: dt.date | None = None
    ) -> RecordStatus:
        """属地变更: move an open record to another district."""
        _check_district(district)

        def rule(current: RecordStatus) -> RecordStatus:
            if current.status != "open":
                raise Conflict(f"The health record is {_state(current)}: only an open one moves")
            if current.district == district:
                raise Conflict(f"The health record already belongs to district {district}")
            return RecordStatus("open", None, self._day(on), district)

        return self._transition(ctx, person_id, "mpi.record-transferred", rule)

    def history(self, ctx: AccessContext, person_id: str) -> list[RecordEvent]:
        """The record's states, oldest first, one entry per change of state or district."""
        versions = self.writer.service.history(
            ctx, "Person", person_id, since_us=None, count=1000, offset=0
        ).versions
        events: list[RecordEvent] = []
        for stored in sorted(versions, key=lambda v: v.version):
            if stored.content is None:
                continue
            status = record_status_of(parse_fhir_json(stored.content))
            if not events or events[-1].status != status:
                events.append(RecordEvent(stored.version, stored.last_updated, status))
        return events

    def _transition(
        self,
        ctx: AccessContext,
        person_id: str,
        topic: str,
        rule: Callable[[RecordStatus], RecordStatus],
    ) -> RecordStatus:
        with self.writer.write(ctx) as unit:
            person = unit.person(person_id)
            if merged_into_of(unit.stored_person(person_id)) is not None:
                raise Conflict(f"Person/{person_id} has been merged; change the survivor's record")
            new = rule(unit.status(person_id))
            unit.statuses[person_id] = new
            unit.touch(person)
            payload = {"status": new.status, "reason": new.reason, "district": new.district}
            unit.announce(topic, person_id, payload)
        return new

    def _day(self, on: dt.date | None) -> str:
        return (on or self.writer.service.clock.now().astimezone(self.zone).date()).isoformat()


def _check_district(code: str) -> None:
    """GB/T 2260: six digits, the first two a province-level division."""
    if not _DISTRICT.fullmatch(code) or code[:2] not in PROVINCE_CODES:
        raise Invalid(f"'{code}' is not a GB/T 2260 district code (six digits)")


def _state(status: RecordStatus) -> str:
    return status.status + (f" ({status.reason})" if status.reason else "")
