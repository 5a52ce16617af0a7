"""The resource service: the one path every read and write in kangtong goes through.

validate → authorise → store → index → audit → outbox event, in one transaction per request,
bundle, message or document.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any, TypeVar
from urllib.parse import parse_qsl

import jsonpatch
import orjson

from kangtong.core.clock import Clock, epoch_us, format_instant, instant_of_us
from kangtong.core.errors import (
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    PreconditionFailed,
    Unprocessable,
)
from kangtong.core.jsonutil import JsonObject, parse_fhir_json
from kangtong.fhir.access import (
    AccessContext,
    AccessNote,
    AccessPolicy,
    Action,
    AuditEntry,
    AuditSink,
    Owner,
    RefusedWithAlerts,
)
from kangtong.fhir.changeset import Changeset, state_for_read
from kangtong.fhir.history import VersionAccess, deciding_content, last_content
from kangtong.fhir.identifier_flags import IdentifierFlags
from kangtong.fhir.lookup import PlatformSearch
from kangtong.fhir.ports import FlagResource, Indexer, KnownTypes, ResourceCheck, WritePorts
from kangtong.fhir.results import (
    HistoryResult,
    SearchResult,
    StoredResource,
    WriteOutcome,
)
from kangtong.fhir.rules import WriteRule, WriteRules
from kangtong.fhir.search.parser import SearchParser
from kangtong.fhir.search_page import search_page
from kangtong.fhir.write_counts import WriteCounts
from kangtong.store.criteria import AccessFilter, SearchPlan
from kangtong.store.database import Database
from kangtong.store.index_rows import IndexRows
from kangtong.store.locks import hold_until_commit, lock_key
from kangtong.store.outbox import OutboxStore
from kangtong.store.records import CurrentState
from kangtong.store.sealing import ContentSealing
from kangtong.store.transient import is_transient

T = TypeVar("T")
WRITE_ATTEMPTS = 5
RETRY_PAUSE_SECONDS = 0.02


class ResourceService:
    """Every read and write of FHIR resources, as a caller (`AccessContext`) may do it.

    The access policy, the audit sink and the sealing of sensitive content are required:
    there is no default that allows everything, records nothing or stores sensitive records in
    clear (tests of the core pass `AllowAll`/`NoAudit`/`NoSealing` explicitly).
    """

    def __init__(
        self,
        db: Database,
        *,
        indexer: Indexer,
        parser: SearchParser,
        clock: Clock,
        is_resource_type: KnownTypes,
        policy: AccessPolicy,
        audit: AuditSink,
        sealing: ContentSealing,
        check: ResourceCheck | None = None,
        default_district: str = "",
        rules: Sequence[WriteRule] = (),
        flags: FlagResource | None = None,
    ) -> None:
        self.db = db
        self.indexer = indexer
        self.parser = parser
        self.clock = clock
        self.is_resource_type = is_resource_type
        self.check = check
        self.policy = policy
        self.audit = audit
        self.default_district = default_district
        self.rules = WriteRules(rules)
        self.lookups = PlatformSearch(db, parser, sealing)
        self.repository = self.lookups.repository
        self.search_store = self.lookups.search_store
        self.outbox = OutboxStore()
        self.write_counts = WriteCounts()
        self.versions = VersionAccess(db, self.repository, self._check_version)
        self.ports = WritePorts(
            repository=self.repository,
            outbox=self.outbox,
            rules=self.rules,
            lookups=self.lookups,
            validate=self.check_resource,
            index=lambda resource: self.indexer.index(resource),
            authorize=self.authorize,
            visibility=lambda ctx: self.policy.visibility(ctx)[0],
            audit=lambda conn, ctx, entries: self.audit.record_in(conn, ctx, entries),
            default_district=default_district,
            # On unless replaced: a client may never set or clear the server's flags itself.
            flag=flags or IdentifierFlags(lambda: clock.now().date()),
        )

    # -- validation ---------------------------------------------------------------------
    def require_type(self, res_type: str) -> None:
        if not self.is_resource_type(res_type):
            raise NotFound(f"'{res_type}' is not a FHIR R4 resource type")

    def check_resource(self, resource: JsonObject) -> str:
        """Validate a resource against FHIR R4; returns its type. Errors raise `Unprocessable`."""
        res_type = resource.get("resourceType")
        if not isinstance(res_type, str) or not self.is_resource_type(res_type):
            raise Invalid(f"'{res_type}' is not a FHIR R4 resource type")
        if self.check is not None:
            errors = [i for i in self.check(resource) if i.severity in ("error", "fatal")]
            if errors:
                raise Unprocessable(
                    f"{res_type} failed validation: {errors[0].diagnostics}"
                    + (f" (at {errors[0].expression})" if errors[0].expression else ""),
                    errors,
                )
        self.rules.check(res_type, resource)
        return res_type

    # -- transactions --------------------------------------------------------------------
    def prepare(self, resource: JsonObject) -> IndexRows:
        """Validate and index a resource that already carries its final id, outside any lock."""
        self.check_resource(resource)
        return self.indexer.index(resource)

    @contextmanager
    def changeset(
        self, ctx: AccessContext, prepared: Mapping[int, IndexRows] | None = None
    ) -> Iterator[Changeset]:
        """One write transaction; everything staged is stored together or not at all.

        `prepared` holds index rows (by resource object identity) computed by `prepare`
        before the transaction, so the write lock covers only lookups and inserts.
        """
        denials: list[AuditEntry] = []
        try:
            with self.db.write() as conn:
                moment = self.clock.now()
                changes = Changeset(
                    self.ports,
                    conn,
                    ctx,
                    epoch_us(moment),
                    format_instant(moment),
                    prepared,
                    denials,
                )
                yield changes
                changes.flush()
            self.write_counts.record(changes.events_written)  # committed
        except Forbidden:
            for entry in denials:  # after the rollback: a denial is audited on its own
                self.audit.record(ctx, entry)
            raise

    def retrying(self, attempt: Callable[[], T]) -> T:
        """Run a whole write transaction, again from the start if a concurrent writer won.

        Only conflicts no request caused are retried (`store.transient`), after a short random
        pause that grows with each attempt (so the same writers do not collide again); after
        the last attempt the caller gets a 409 that says to try again, never a driver error.
        """
        for tried in range(1, WRITE_ATTEMPTS):
            try:
                return attempt()
            except Exception as exc:
                if not is_transient(exc):
                    raise
            time.sleep(random.uniform(0, RETRY_PAUSE_SECONDS * tried))
        try:
            return attempt()
        except Exception as exc:
            if is_transient(exc):
                raise Conflict(
                    "A concurrent write to the same resources won; the request may be retried"
                ) from exc
            raise

    # -- authorisation -------------------------------------------------------------------
    def authorize(
        self,
        ctx: AccessContext,
        action: Action,
        res_type: str | None,
        res_id: str | None,
        resource: Mapping[str, Any] | None = None,
        owner: Owner | None = None,
        *,
        denials: list[AuditEntry] | None = None,
    ) -> AccessNote:
        """Ask the policy; a denial is audited (now, or via `denials` after a rollback)."""
        try:
            return self.policy.authorize(ctx, action, res_type, resource, owner)
        except Forbidden as refused:
            entries = [AuditEntry(action, res_type, res_id, "denied")]
            if isinstance(refused, RefusedWithAlerts):
                entries.extend(refused.alerts)
            for entry in entries:
                if denials is None:
                    self.audit.record(ctx, entry)
                else:
                    denials.append(entry)
            raise

    def authorize_stored(
        self, ctx: AccessContext, action: Action, state: CurrentState, content: bytes | None = None
    ) -> AccessNote:
        """Authorise an access to a stored resource, with the owner the store recorded."""
        raw = content if content is not None else state.content
        # Decimals need no exact round trip here: plain orjson is enough for the decision.
        resource = orjson.loads(raw) if raw else {"id": state.res_id}
        owner = Owner(state.owner_org, state.district)
        return self.authorize(ctx, action, state.res_type, state.res_id, resource, owner)

    def visibility(self, ctx: AccessContext) -> tuple[AccessFilter | None, AccessNote]:
        return self.policy.visibility(ctx)

    # -- instance interactions ------------------------------------------------------------
    def create(
        self, ctx: AccessContext, resource: JsonObject, *, if_none_exist: str | None = None
    ) -> WriteOutcome:
        def attempt() -> WriteOutcome:
            with self.changeset(ctx) as changes:
                if if_none_exist:
                    existing = self._conditional_match(
                        changes, resource.get("resourceType", ""), if_none_exist
                    )
                    if existing is not None:
                        return WriteOutcome(existing, 200)
                return changes.create(resource)

        return self.retrying(attempt)

    def update(
        self,
        ctx: AccessContext,
        res_type: str,
        res_id: str,
        resource: JsonObject,
        *,
        if_match: int | None = None,
    ) -> WriteOutcome:
        def attempt() -> WriteOutcome:
            with self.changeset(ctx) as changes:
                return changes.update(res_type, res_id, resource, if_match=if_match)

        return self.retrying(attempt)

    def conditional_update(
        self, ctx: AccessContext, res_type: str, query: str, resource: JsonObject
    ) -> WriteOutcome:
        def attempt() -> WriteOutcome:
            with self.changeset(ctx) as changes:
                return self._conditional_update_in(changes, res_type, query, resource)

        return self.retrying(attempt)

    def _conditional_update_in(
        self, changes: Changeset, res_type: str, query: str, resource: JsonObject
    ) -> WriteOutcome:
        matches = self.match_ids(changes, res_type, query)
        if len(matches) > 1:
            raise PreconditionFailed(
                f"The conditional update matches {len(matches)} {res_type} resources"
            )
        if matches:
            target = matches[0]
            if resource.get("id", target) != target:
                raise Invalid("The body's id differs from the resource the condition matched")
            return changes.update(res_type, target, {**resource, "id": target})
        if "id" in resource:
            return changes.update(res_type, resource["id"], resource)
        return changes.create(resource)

    def patch(
        self,
        ctx: AccessContext,
        res_type: str,
        res_id: str,
        operations: list[Any],
        *,
        if_match: int | None = None,
    ) -> WriteOutcome:
        def attempt() -> WriteOutcome:
            with self.changeset(ctx) as changes:
                return self.patch_in(changes, res_type, res_id, operations, if_match=if_match)

        return self.retrying(attempt)

    def patch_in(
        self,
        changes: Changeset,
        res_type: str,
        res_id: str,
        operations: list[Any],
        *,
        if_match: int | None = None,
    ) -> WriteOutcome:
        current = state_for_read(changes.current(res_type, res_id), res_type, res_id)
        if if_match is not None and current.version != if_match:
            raise PreconditionFailed(
                f"If-Match names version {if_match}, current is {current.version}"
            )
        document = parse_fhir_json(current.content or b"{}")
        try:
            patched = jsonpatch.apply_patch(document, operations)
        except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException, TypeError) as exc:
            raise Unprocessable(f"The JSON Patch cannot be applied: {exc}") from exc
        return changes.patched(res_type, res_id, patched, current)

    def delete(self, ctx: AccessContext, res_type: str, res_id: str) -> WriteOutcome | None:
        def attempt() -> WriteOutcome | None:
            with self.changeset(ctx) as changes:
                return changes.delete(res_type, res_id)

        return self.retrying(attempt)

    def conditional_delete(self, ctx: AccessContext, res_type: str, query: str) -> int:
        """Delete the one resource matching `query`; returns how many were deleted (0 or 1)."""

        def attempt() -> int:
            with self.changeset(ctx) as changes:
                matches = self.match_ids(changes, res_type, query)
                if len(matches) > 1:
                    raise PreconditionFailed(
                        f"The conditional delete matches {len(matches)} {res_type} resources"
                    )
                for res_id in matches:
                    changes.delete(res_type, res_id)
                return len(matches)

        return self.retrying(attempt)

    def read(self, ctx: AccessContext, res_type: str, res_id: str) -> StoredResource:
        self.require_type(res_type)
        with self.db.read() as conn:
            current = state_for_read(
                self.repository.current(conn, res_type, res_id), res_type, res_id
            )
        note = self.authorize_stored(ctx, "read", current)
        self.audit.record(ctx, AuditEntry("read", res_type, res_id, "success", note))
        return StoredResource(
            res_type,
            res_id,
            current.version,
            instant_of_us(current.last_updated_us),
            current.content,
        )

    def vread(self, ctx: AccessContext, res_type: str, res_id: str, version: int) -> StoredResource:
        self.require_type(res_type)
        with self.db.read() as conn:
            found = self.repository.version(conn, res_type, res_id, version)
            current = self.repository.current(conn, res_type, res_id)
            content = None if found is None else deciding_content(self.repository, conn, found)
        if found is None or current is None:
            raise NotFound(f"{res_type}/{res_id} has no version {version}")
        # A deleted version is judged on the content before it, never on no content at all.
        note = self.authorize_stored(ctx, "vread", current, content)
        self.audit.record(ctx, AuditEntry("vread", res_type, res_id, "success", note))
        return StoredResource(
            res_type, res_id, version, instant_of_us(found.last_updated_us), found.content
        )

    # -- search and history ----------------------------------------------------------------
    def search(
        self,
        ctx: AccessContext,
        res_type: str | None,
        params: Sequence[tuple[str, str]],
        *,
        strict: bool = False,
        audited: bool = True,
    ) -> SearchResult:
        """Search as `ctx` sees the data: hidden rows never count, page or include.

        `audited=False` is for the platform's own look-ups (the access policy asking about
        care relationships and consents), never for a caller's search.
        """
        if res_type is not None:
            self.require_type(res_type)
        request = self.parser.parse(res_type, params, strict=strict)
        self.authorize(ctx, "search", res_type, None)
        access, note = self.policy.visibility(ctx)
        plan = replace(request.plan, access=access)
        with self.db.read() as conn:
            result = search_page(self.search_store, self.repository, conn, request, plan)
        if audited:
            self.audit.record(ctx, AuditEntry("search", res_type, None, "success", note))
        return result

    def history(
        self,
        ctx: AccessContext,
        res_type: str | None,
        res_id: str | None,
        *,
        since_us: int | None,
        count: int,
        offset: int,
    ) -> HistoryResult:
        """Versions newest first, each decided like a read of what it holds (`fhir.history`).

        An instance's history is refused (and the refusal audited) when its newest content may
        not be read; wider history leaves out what the caller may not see. Callers who see
        every row get the versions and their total straight from the store.
        """
        if res_type is not None:
            self.require_type(res_type)
        note = self._authorize_history(ctx, res_type, res_id)
        if self.policy.visibility(ctx)[0] is None:
            with self.db.read() as conn:
                versions, total = self.repository.history(
                    conn, res_type=res_type, res_id=res_id, since_us=since_us,
                    at_most=count, offset=offset,
                )  # fmt: skip
            has_more: bool = offset + len(versions) < total
            found: int | None = total
        else:
            visible = self.versions.visible(
                ctx, res_type=res_type, res_id=res_id, since_us=since_us,
                count=count, offset=offset,
            )  # fmt: skip
            versions, has_more, found = visible.versions, visible.has_more, None
            note = AccessNote(
                note.patients | visible.note.patients, note.break_glass or visible.note.break_glass
            )
        self.audit.record(ctx, AuditEntry("history", res_type, res_id, "success", note))
        stored = [
            StoredResource(
                v.res_type, v.res_id, v.version, instant_of_us(v.last_updated_us), v.content
            )
            for v in versions
        ]
        methods = [v.method for v in versions]
        return HistoryResult(stored, methods, found, offset, count, has_more)

    def _authorize_history(
        self, ctx: AccessContext, res_type: str | None, res_id: str | None
    ) -> AccessNote:
        """An instance's history is read like its newest content, deleted or not."""
        if not (res_type and res_id):
            return self.authorize(ctx, "history", res_type, None)
        with self.db.read() as conn:
            current = self.repository.current(conn, res_type, res_id)
            content = None if current is None else last_content(self.repository, conn, current)
        if current is None:
            raise NotFound(f"{res_type}/{res_id} is not known")
        return self.authorize_stored(ctx, "history", current, content)

    def _check_version(
        self, ctx: AccessContext, res_type: str, resource: Mapping[str, Any], owner: Owner
    ) -> AccessNote:
        """One version of a wider history, decided like a read (refusals are not audited)."""
        return self.policy.authorize(ctx, "history", res_type, resource, owner)

    # -- conditional helpers ----------------------------------------------------------------
    def conditional_criteria(self, res_type: str, query: str) -> ConditionalCriteria:
        """The parsed criteria of a conditional request, with the name of what they mean."""
        params = parse_qsl(query.lstrip("?"), keep_blank_values=True)
        if not params:
            raise Invalid("A conditional request needs search criteria")
        request = self.parser.parse(res_type, params, strict=True)
        return ConditionalCriteria(res_type, request.plan, criteria_meaning(request.plan))

    def hold_criteria(self, changes: Changeset, criteria: Sequence[ConditionalCriteria]) -> None:
        """Take turns, until commit, with every writer asking one of the same questions.

        So a racing conditional create or update cannot find nothing twice and store the
        resource twice. Locks are per bucket of meanings (`criteria_lock_name`), taken together
        in one order, so a transaction of any size holds a bounded number of them.
        """
        hold_until_commit(changes.conn, [criteria_lock_name(c) for c in criteria])

    def match_ids(
        self, changes: Changeset, res_type: str, query: str, *, for_write: bool = True
    ) -> list[str]:
        """Ids of the visible, live `res_type` resources matching a query (at most 2 needed).

        `for_write`: the caller will write on the answer (a conditional create, update or
        delete), so the criteria are held until commit and each match is locked and re-read —
        a match deleted by a writer we waited for no longer counts.
        """
        criteria = self.conditional_criteria(res_type, query)
        if for_write:
            self.hold_criteria(changes, [criteria])
        plan = replace(
            criteria.plan,
            count=2,
            offset=0,
            total="none",
            include=(),
            revinclude=(),
            access=changes.visibility(),
        )
        page = self.search_store.search(changes.conn, plan)
        ids = [k.res_id for k in self.search_store.keys(changes.conn, page.pks)]
        if not for_write:
            return ids
        return [i for i in ids if (state := changes.current(res_type, i)) and not state.deleted]

    def _conditional_match(
        self, changes: Changeset, res_type: str, query: str
    ) -> StoredResource | None:
        matches = self.match_ids(changes, res_type, query)
        if len(matches) > 1:
            raise PreconditionFailed(f"If-None-Exist matches {len(matches)} {res_type} resources")
        if not matches:
            return None
        current = changes.current(res_type, matches[0])
        assert current is not None
        return StoredResource(
            res_type,
            matches[0],
            current.version,
            instant_of_us(current.last_updated_us),
            current.content,
        )


# Conditional writes of one type share this many locks: a transaction with thousands of
# conditional entries holds at most this many per type (PostgreSQL's lock table is shared by
# the whole cluster and small), and unrelated writers rarely meet in one bucket.
CRITERIA_LOCK_BUCKETS = 64


@dataclass(frozen=True)
class ConditionalCriteria:
    res_type: str
    plan: SearchPlan
    meaning: str  # the same for criteria written differently that ask the same question


def criteria_meaning(plan: SearchPlan) -> str:
    """One text for criteria however they are written: parsed, normalised, sorted.

    Built from the parsed clauses (case-folded strings, default prefixes, split system|code,
    OR-values and AND-clauses in sorted order), not from the query text; result parameters
    such as `_count` play no part.
    """
    clauses = sorted(
        ("not " if clause.negate else "") + " | ".join(sorted(repr(c) for c in clause.any_of))
        for clause in plan.clauses
    )
    return f"{plan.res_type}?" + " & ".join(clauses)


def criteria_lock_name(criteria: ConditionalCriteria) -> str:
    bucket = lock_key(criteria.meaning) % CRITERIA_LOCK_BUCKETS
    return f"criteria:{criteria.res_type}#{bucket}"
