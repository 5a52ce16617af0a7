"""`SecurityPolicy`: the `AccessPolicy` port of `fhir/access.py`, backed by `AccessDecider`
for single resources and by `VisibilityBuilder` for searches.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from kangtong.core.errors import Forbidden
from kangtong.fhir.access import (
    AccessContext,
    AccessNote,
    Action,
    AuditEntry,
    Owner,
    RefusedWithAlerts,
)
from kangtong.security.care_events import CareWriteEvents
from kangtong.security.decision import AccessDecider, Decision
from kangtong.security.facts import ResourceFacts, facts_of
from kangtong.security.record_gate import RecordGate
from kangtong.security.sensitivity import SensitivityClassifier
from kangtong.security.visibility import VisibilityBuilder
from kangtong.store.criteria import AccessFilter
from kangtong.store.database import Database
from kangtong.store.repository import ResourceRepository

WRITES = frozenset({"create", "update", "patch"})
# (resource type, id) → (owner organisation, district) of the stored resource, if it exists.
OwnerLookup = Callable[[str, str], tuple[str | None, str | None] | None]


class StoredOwnership:
    """Owner organisation and district as the store recorded them when the resource was written."""

    def __init__(self, db: Database, repository: ResourceRepository) -> None:
        self._db = db
        self._repository = repository

    def __call__(
        self, resource_type: str, resource_id: str
    ) -> tuple[str | None, str | None] | None:
        with self._db.read() as conn:
            state = self._repository.current(conn, resource_type, resource_id)
        return None if state is None else (state.owner_org, state.district)


class SecurityPolicy:
    """Raises `Forbidden` with the decision's reason when the decider says no."""

    def __init__(
        self,
        decider: AccessDecider,
        owner_of: OwnerLookup,
        visibility: VisibilityBuilder | None = None,
        *,
        classify: SensitivityClassifier,
        care_events: CareWriteEvents | None,
        gate: RecordGate | None = None,
    ) -> None:
        """`care_events`, `gate` None: a policy never asked about writes of care facts (tests)."""
        self.decider = decider
        self.owner_of = owner_of
        self.visibility_builder = visibility
        self.classify = classify  # the write path's labeller uses the same one
        self.care_events = care_events
        self.gate = gate

    def decision(
        self,
        ctx: AccessContext,
        action: Action,
        resource_type: str | None,
        resource: Mapping[str, Any] | None,
        owner: Owner | None = None,
    ) -> Decision:
        return self._decide(ctx, action, resource_type, resource, owner)[0][0]

    def authorize(
        self,
        ctx: AccessContext,
        action: Action,
        resource_type: str | None,
        resource: Mapping[str, Any] | None,
        owner: Owner | None = None,
    ) -> AccessNote:
        (decision, alerts), facts = self._decide(ctx, action, resource_type, resource, owner)
        if not decision.allowed:
            raise (
                RefusedWithAlerts(decision.reason, alerts) if alerts else Forbidden(decision.reason)
            )
        grant = decision.break_glass.id if decision.break_glass else None
        also: tuple[AuditEntry, ...] = ()
        if action in WRITES and resource_type and resource is not None:
            if self.care_events:
                also += self.care_events.entries(ctx, resource_type, resource)
            if self.gate:
                also += self.gate.entries(ctx, resource_type, resource)
        return AccessNote(facts.patients if facts else frozenset(), grant, also)

    def _decide(
        self,
        ctx: AccessContext,
        action: Action,
        resource_type: str | None,
        resource: Mapping[str, Any] | None,
        owner: Owner | None,
    ) -> tuple[tuple[Decision, tuple[AuditEntry, ...]], ResourceFacts | None]:
        """The decision with the alerts a refusal raises, and the facts it was made on (None
        without a resource). A write the role permits may still be refused by the `gate`."""
        facts = None
        if resource is not None and resource_type is not None:
            facts = self._facts(ctx, action, resource_type, resource, owner)
        decision = self.decider.decide(ctx, action, resource_type, facts)
        if decision.allowed and self.gate and action in WRITES and resource_type and resource:
            refusal = self.gate.refusal(ctx, decision.role, resource_type, resource)
            if refusal is not None:
                return (Decision(False, refusal.reason, decision.role), refusal.alerts), facts
        return (decision, ()), facts

    def visibility(self, ctx: AccessContext) -> tuple[AccessFilter | None, AccessNote]:
        if self.visibility_builder is None:
            raise Forbidden("Searches are not available without a visibility filter")
        return self.visibility_builder.build(ctx)

    def _facts(
        self,
        ctx: AccessContext,
        action: Action,
        resource_type: str,
        resource: Mapping[str, Any],
        owner: Owner | None,
    ) -> ResourceFacts:
        """A new resource belongs to the writer; an existing one to whoever the store recorded."""
        if owner is not None:
            return facts_of(
                resource_type,
                resource,
                owner_org=owner.organization,
                district=owner.district,
                classify=self.classify,
            )
        stored = None
        if action != "create" and isinstance(resource.get("id"), str):
            stored = self.owner_of(resource_type, resource["id"])
        org, district = stored if stored is not None else (ctx.organization, ctx.district)
        return facts_of(
            resource_type, resource, owner_org=org, district=district, classify=self.classify
        )
