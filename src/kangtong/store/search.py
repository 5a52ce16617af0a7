"""Run searches and resolve `_include` / `_revinclude` against the index tables."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, select, tuple_

from kangtong.store.access_sql import visible
from kangtong.store.criteria import AccessFilter, IncludeSpec, SearchPlan
from kangtong.store.param_rows import param_is
from kangtong.store.search_sql import count_query, page_query
from kangtong.store.tables import idx_reference, resource

MAX_INCLUDE_DEPTH = 3


@dataclass(frozen=True, slots=True)
class SearchPage:
    pks: list[int]
    total: int | None


@dataclass(frozen=True, slots=True)
class KeyedResource:
    pk: int
    res_type: str
    res_id: str


class SearchStore:
    def search(self, conn: Connection, plan: SearchPlan) -> SearchPage:
        pks = [row[0] for row in conn.execute(page_query(plan))] if plan.count > 0 else []
        total: int | None = None
        if plan.total != "none":
            if plan.offset == 0 and len(pks) < plan.count:
                total = len(pks)
            else:
                total = conn.execute(count_query(plan)).scalar_one()
        return SearchPage(pks, total)

    def keys(self, conn: Connection, pks: Sequence[int]) -> list[KeyedResource]:
        rows = conn.execute(
            select(resource.c.pk, resource.c.res_type, resource.c.res_id).where(
                resource.c.pk.in_(list(pks))
            )
        )
        return [KeyedResource(*row) for row in rows]

    def included(
        self,
        conn: Connection,
        matches: Sequence[KeyedResource],
        specs: Sequence[IncludeSpec],
        access: AccessFilter | None = None,
    ) -> list[int]:
        """Keys of visible resources the matches refer to (`_include`), following :iterate."""
        return self._follow(conn, matches, specs, self._include_step, access)

    def revincluded(
        self,
        conn: Connection,
        matches: Sequence[KeyedResource],
        specs: Sequence[IncludeSpec],
        access: AccessFilter | None = None,
    ) -> list[int]:
        """Keys of visible resources that refer to the matches (`_revinclude`), with :iterate."""
        return self._follow(conn, matches, specs, self._revinclude_step, access)

    def _follow(
        self,
        conn: Connection,
        matches: Sequence[KeyedResource],
        specs: Sequence[IncludeSpec],
        step: Callable[
            [Connection, Sequence[KeyedResource], Sequence[IncludeSpec], AccessFilter | None],
            list[int],
        ],
        access: AccessFilter | None,
    ) -> list[int]:
        seen = {m.pk for m in matches}
        found: list[int] = []
        frontier = list(matches)
        for depth in range(MAX_INCLUDE_DEPTH):
            active = [s for s in specs if depth == 0 or s.iterate]
            if not active or not frontier:
                break
            new_keys = [pk for pk in step(conn, frontier, active, access) if pk not in seen]
            seen.update(new_keys)
            found.extend(new_keys)
            frontier = self.keys(conn, new_keys) if new_keys else []
        return found

    def _include_step(
        self,
        conn: Connection,
        frontier: Sequence[KeyedResource],
        specs: Sequence[IncludeSpec],
        access: AccessFilter | None,
    ) -> list[int]:
        result: list[int] = []
        for spec in specs:
            sources = [m.pk for m in frontier if m.res_type == spec.source_type]
            if not sources:
                continue
            target = resource.alias()
            conds: list[ColumnElement[Any]] = [
                idx_reference.c.resource_pk.in_(sources),
                target.c.deleted.is_(False),
            ]
            if access is not None:
                conds.append(visible(access, target))
            if spec.param is not None:
                conds.append(param_is(idx_reference, spec.param))
            if spec.target_type is not None:
                conds.append(target.c.res_type == spec.target_type)
            stmt = (
                select(target.c.pk)
                .select_from(
                    idx_reference.join(
                        target,
                        and_(
                            target.c.res_type == idx_reference.c.target_type,
                            target.c.res_id == idx_reference.c.target_id,
                        ),
                    )
                )
                .where(*conds)
                .distinct()
            )
            result.extend(row[0] for row in conn.execute(stmt))
        return result

    def _revinclude_step(
        self,
        conn: Connection,
        frontier: Sequence[KeyedResource],
        specs: Sequence[IncludeSpec],
        access: AccessFilter | None,
    ) -> list[int]:
        result: list[int] = []
        pairs = [(m.res_type, m.res_id) for m in frontier]
        for spec in specs:
            source = resource.alias()
            conds: list[ColumnElement[Any]] = [
                tuple_(idx_reference.c.target_type, idx_reference.c.target_id).in_(pairs),
                source.c.res_type == spec.source_type,
                source.c.deleted.is_(False),
            ]
            if access is not None:
                conds.append(visible(access, source))
            if spec.param is not None:
                conds.append(param_is(idx_reference, spec.param))
            if spec.target_type is not None:
                conds.append(idx_reference.c.target_type == spec.target_type)
            stmt = (
                select(source.c.pk)
                .select_from(idx_reference.join(source, source.c.pk == idx_reference.c.resource_pk))
                .where(*conds)
                .distinct()
            )
            result.extend(row[0] for row in conn.execute(stmt))
        return result

    def referring(
        self,
        conn: Connection,
        target_type: str,
        target_id: str,
        limit: int,
        access: AccessFilter | None = None,
    ) -> list[int]:
        """Keys of visible resources with any reference to `target_type/target_id`."""
        stmt = (
            select(idx_reference.c.resource_pk)
            .where(
                idx_reference.c.target_id == target_id, idx_reference.c.target_type == target_type
            )
            .distinct()
            .limit(limit)
        )
        if access is not None:
            source = resource.alias()
            stmt = stmt.join(source, source.c.pk == idx_reference.c.resource_pk).where(
                source.c.deleted.is_(False), visible(access, source)
            )
        return [row[0] for row in conn.execute(stmt)]
