"""Who is calling, and the ports through which security plugs into the resource service.

The resource service never imports `security/`: the app factory hands it an `AccessPolicy`
and an `AuditSink`. Until the security module lands, `AllowAll` and `NoAudit` are wired.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

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

    @classmethod
    def system(cls, name: str = "kangtong") -> AccessContext:
        """The platform itself (CLI, loaders, background jobs)."""
        return cls(principal=f"system/{name}", roles=frozenset({"system"}))


class AccessPolicy(Protocol):
    def authorize(
        self,
        ctx: AccessContext,
        action: Action,
        resource_type: str | None,
        resource: Mapping[str, Any] | None,
    ) -> None:
        """Raise `Forbidden` when `ctx` may not perform `action`."""
        ...


class AuditSink(Protocol):
    def record(
        self,
        ctx: AccessContext,
        action: Action,
        resource_type: str | None,
        resource_id: str | None,
        outcome: str,
    ) -> None: ...


class AllowAll:
    """Placeholder policy until authorisation lands: every request is allowed."""

    def authorize(
        self,
        ctx: AccessContext,
        action: Action,
        resource_type: str | None,
        resource: Mapping[str, Any] | None,
    ) -> None:
        return None


class NoAudit:
    def record(
        self,
        ctx: AccessContext,
        action: Action,
        resource_type: str | None,
        resource_id: str | None,
        outcome: str,
    ) -> None:
        return None
