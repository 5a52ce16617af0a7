"""`Patient/[id]/$everything` and `Encounter/[id]/$everything`.

The focal resource, every resource that refers to it, and the resources those refer to
(practitioners, organisations, medications, locations …), in one searchset.
"""

from __future__ import annotations

from sqlalchemy import Connection

from kangtong.core.errors import Invalid
from kangtong.fhir.access import AccessContext, AuditEntry
from kangtong.fhir.changeset import state_for_read
from kangtong.fhir.results import SearchEntry, SearchResult
from kangtong.fhir.service import ResourceService
from kangtong.store.criteria import AccessFilter, IncludeSpec

SUPPORTED = frozenset({"Patient", "Encounter"})
MAX_RESOURCES = 10_000


def everything(
    service: ResourceService, ctx: AccessContext, res_type: str, res_id: str
) -> SearchResult:
    if res_type not in SUPPORTED:
        raise Invalid(f"$everything is defined for Patient and Encounter, not {res_type}")
    with service.db.read() as conn:
        focal = state_for_read(service.repository.current(conn, res_type, res_id), res_type, res_id)
    note = service.authorize_stored(ctx, "operation", focal)
    access, _ = service.visibility(ctx)
    with service.db.read() as conn:
        entries = _collect(service, conn, focal.pk, access)
    service.audit.record(ctx, AuditEntry("operation", res_type, res_id, "success", note))
    return SearchResult(entries, len(entries), 0, len(entries))


def _collect(
    service: ResourceService, conn: Connection, focal_pk: int, access: AccessFilter | None
) -> list[SearchEntry]:
    """The focal resource and what the caller may see of what refers to it and it refers to."""
    store = service.search_store
    focal = store.keys(conn, [focal_pk])
    referring = store.referring(conn, focal[0].res_type, focal[0].res_id, MAX_RESOURCES, access)
    keyed = focal + store.keys(conn, referring)
    wildcard = [IncludeSpec(t, None, None) for t in sorted({k.res_type for k in keyed})]
    referenced = store.included(conn, keyed, wildcard, access)
    pks = [k.pk for k in keyed] + referenced
    contents = service.repository.contents_by_pk(conn, pks)
    names = {k.pk: (k.res_type, k.res_id) for k in keyed + store.keys(conn, referenced)}
    return [SearchEntry(contents[pk], *names[pk], mode="match") for pk in pks if pk in contents]
