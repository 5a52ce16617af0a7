"""Who is calling, and the ports through which security plugs into the resource service.

The resource service never imports `security/`: the app factory hands it an `AccessPolicy`
and an `AuditSink` as required constructor arguments — there is no default. `AllowAll` and
`NoAudit` exist for tests of the core and benchmarks, which must pass them explicitly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from sqlalchemy import Connection

from kangtong.core.errors import Forbidden
from kangtong.store.criteria import AccessFilter

Action = Literal[
    "create", "read", "vread", "update", "patch", "delete", "search", "history", "operation"
]


@dataclass(frozen=True)
class AccessContext:
    """The caller of every service method: person or system, their organisation and district."""

    principal: str
    organization: str | None = None
    district: str | None = None
    roles: frozenset[str] = field(default_factory=frozenset)
    scopes: frozenset[str] = field(default_factory=frozenset)
    purpose: str | None = None
    break_glass_reason: str | None = None
    patient: str | None = None  # SMART patient context (the resident's own Patient id)

    @classmethod
    def system(cls, name: str = "kangtong") -> AccessContext:
        """The platform itself (CLI, loaders, background jobs)."""
        return cls(principal=f"system/{name}", roles=frozenset({"system"}))


@dataclass(frozen=True)
class Owner:
    """Who the store recorded as the owner of an existing resource."""

    organization: str | None
    district: str | None


@dataclass(frozen=True)
class AccessNote:
    """What a permitted access must carry into the audit record."""

    patients: frozenset[str] = frozenset()
    break_glass: str | None = None  # the id of the break-glass grant that permitted it
    # Further audit entries a permitted write implies (a care relationship it creates, a
    # security alert), stored with the write in its transaction.
    also: tuple[AuditEntry, ...] = ()


ALLOWED = AccessNote()


@dataclass(frozen=True)
class AuditEntry:
    action: str
    resource_type: str | None
    resource_id: str | None
    outcome: str  # success | denied | failure
    note: AccessNote = ALLOWED


class RefusedWithAlerts(Forbidden):
    """A refusal that also raises security alerts, audited with the refusal itself."""

    def __init__(self, reason: str, alerts: tuple[AuditEntry, ...]) -> None:
        super().__init__(reason)
        self.alerts = alerts


class AccessPolicy(Protocol):
    def authorize(
        self,
        ctx: AccessContext,
        action: Action,
        resource_type: str | None,
        resource: Mapping[str, Any] | None,
        owner: Owner | None = None,
    ) -> AccessNote:
        """Raise `Forbidden` when `ctx` may not perform `action`; else what to audit."""
        ...

    def visibility(self, ctx: AccessContext) -> tuple[AccessFilter | None, AccessNote]:
        """The rows `ctx` may see in a search (None: no restriction), and what to audit."""
        ...


class AuditSink(Protocol):
    def record(self, ctx: AccessContext, entry: AuditEntry) -> None:
        """An access outside a write transaction (read, search, operation, denial)."""
        ...

    def record_in(
        self, conn: Connection, ctx: AccessContext, entries: Sequence[AuditEntry]
    ) -> None:
        """Writes, appended inside the write's own transaction `conn`."""
        ...


class AllowAll:
    """Every request is allowed (tests of the core; security switched off)."""

    def authorize(
        self,
        ctx: AccessContext,
        action: Action,
        resource_type: str | None,
        resource: Mapping[str, Any] | None,
        owner: Owner | None = None,
    ) -> AccessNote:
        return ALLOWED

    def visibility(self, ctx: AccessContext) -> tuple[AccessFilter | None, AccessNote]:
        return None, ALLOWED


class NoAudit:
    def record(self, ctx: AccessContext, entry: AuditEntry) -> None:
        return None

    def record_in(
        self, conn: Connection, ctx: AccessContext, entries: Sequence[AuditEntry]
    ) -> None:
        return None
