"""A search's page as the caller receives it: matches in order, then included resources."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import Connection

from kangtong.fhir.results import SearchEntry, SearchResult
from kangtong.fhir.search.parser import SearchRequest
from kangtong.store.criteria import SearchPlan
from kangtong.store.repository import ResourceRepository
from kangtong.store.search import SearchStore


def search_page(
    search_store: SearchStore,
    repository: ResourceRepository,
    conn: Connection,
    request: SearchRequest,
    plan: SearchPlan,
) -> SearchResult:
    """One page of matches (one more is asked for, to know if a next page exists) plus includes."""
    page = search_store.search(conn, replace(plan, count=plan.count + 1) if plan.count else plan)
    has_more = len(page.pks) > plan.count
    pks = page.pks[: plan.count]
    contents = repository.contents_by_pk(conn, pks)
    keyed = search_store.keys(conn, pks)
    types = {k.pk: (k.res_type, k.res_id) for k in keyed}
    entries = [SearchEntry(contents[pk], *types[pk], mode="match") for pk in pks if pk in contents]
    included: list[int] = []
    if plan.include:
        included += search_store.included(conn, keyed, plan.include, plan.access)
    if plan.revinclude:
        included += search_store.revincluded(conn, keyed, plan.revinclude, plan.access)
    if included:
        extra = repository.contents_by_pk(conn, included)
        extra_keys = {k.pk: (k.res_type, k.res_id) for k in search_store.keys(conn, included)}
        entries += [
            SearchEntry(extra[pk], *extra_keys[pk], mode="include")
            for pk in included
            if pk in extra
        ]
    return SearchResult(
        entries,
        page.total,
        plan.offset,
        plan.count,
        request.summary,
        request.elements,
        request.ignored,
        has_more,
    )
