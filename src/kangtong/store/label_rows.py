"""Derived label rows rewritten in place (`kangtong security relabel`): the token rows of one
code system under each resource's `_security` parameter, for resources stored before the rules
that derive them changed. Nothing else of a resource — content, version, history — changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, and_, delete, select

from kangtong.store.sealing import ContentSealing, content_context, is_sealed
from kangtong.store.tables import idx_token, resource, resource_version

TokenKey = tuple[int, str, str]  # (param, system, code)
_CURRENT = resource.join(
    resource_version,
    and_(
        resource_version.c.resource_pk == resource.c.pk,
        resource_version.c.version == resource.c.version,
    ),
)


@dataclass(frozen=True, slots=True)
class LabelledResource:
    pk: int
    res_type: str
    content: bytes  # opened if it was stored sealed
    labels: frozenset[TokenKey]  # the rows of the labelling system present now
    res_id: str = ""
    sealed: bool = False  # the content is stored sealed


def live_resources_after(
    conn: Connection, after_pk: int, limit: int, system: str, sealing: ContentSealing
) -> list[LabelledResource]:
    """The next `limit` live resources by key (content opened), with their rows of `system`.

    On PostgreSQL the resource rows are locked to commit, so a concurrent write of one of them
    waits and then indexes after the relabelling, never under it.
    """
    stmt = (
        select(resource.c.pk, resource.c.res_type, resource.c.res_id, resource_version.c.content)
        .select_from(_CURRENT)
        .where(resource.c.pk > after_pk, resource.c.deleted.is_(False))
        .order_by(resource.c.pk)
        .limit(limit)
    )
    if conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update(of=resource)
    rows = [
        (int(pk), str(t), str(i), bytes(c)) for pk, t, i, c in conn.execute(stmt) if c is not None
    ]
    present: dict[int, set[TokenKey]] = {pk: set() for pk, _, _, _ in rows}
    if rows:
        labels = select(idx_token.c.resource_pk, idx_token.c.param, idx_token.c.code).where(
            idx_token.c.resource_pk.in_(list(present)), idx_token.c.system == system
        )
        for pk, param, code in conn.execute(labels):
            present[int(pk)].add((int(param), system, str(code)))
    return [
        LabelledResource(pk, t, _opened(c, t, i, sealing), frozenset(present[pk]), i, is_sealed(c))
        for pk, t, i, c in rows
    ]


def _opened(content: bytes, res_type: str, res_id: str, sealing: ContentSealing) -> bytes:
    if not is_sealed(content):
        return content
    return sealing.open(content, content_context(res_type, res_id))


def replace_labels(
    conn: Connection,
    pk: int,
    removed: Sequence[TokenKey],
    added: Sequence[TokenKey],
) -> None:
    """Remove and add token rows of one resource (text column empty, as labels have none)."""
    for param, system, code in removed:
        conn.execute(
            delete(idx_token).where(
                and_(
                    idx_token.c.resource_pk == pk,
                    idx_token.c.param == param,
                    idx_token.c.system == system,
                    idx_token.c.code == code,
                )
            )
        )
    if added:
        conn.execute(
            idx_token.insert(),
            [
                {"resource_pk": pk, "param": p, "system": s, "code": c, "text": None}
                for p, s, c in added
            ],
        )
