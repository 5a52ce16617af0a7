"""Sealed resource versions as stored: re-encryption after a field-key rotation, and sealing
in place of a resource stored in clear before its category was known.

Every version row whose content is sealed (does not start with ``{``, `store.sealing`) is
visited in key order and replaced only if unchanged meanwhile, so the job can run beside the
server and be repeated after an interruption.
"""

from __future__ import annotations

from sqlalchemy import Connection, func, select, tuple_, update

from kangtong.store import bulk
from kangtong.store.index_rows import INDEX_COLUMNS, IndexRows
from kangtong.store.sealing import ContentSealing, content_context, is_sealed
from kangtong.store.tables import INDEX_TABLES, resource_version

SealedVersion = tuple[int, int, str, str, bytes]  # (resource pk, version, type, id, content)


def sealed_versions_after(
    conn: Connection, after: tuple[int, int], limit: int
) -> list[SealedVersion]:
    """The next `limit` sealed versions after (resource pk, version)."""
    v = resource_version.c
    stmt = (
        select(v.resource_pk, v.version, v.res_type, v.res_id, v.content)
        .where(
            tuple_(v.resource_pk, v.version) > tuple_(*after),
            v.content.is_not(None),
            func.substr(v.content, 1, 1) != b"{",
        )
        .order_by(v.resource_pk, v.version)
        .limit(limit)
    )
    return [(int(p), int(n), str(t), str(i), bytes(c)) for p, n, t, i, c in conn.execute(stmt)]


def replace_sealed(conn: Connection, pk: int, version: int, old: bytes, new: bytes) -> int:
    """Store `new` for the version if it still holds `old`; 1 if replaced."""
    v = resource_version.c
    stmt = (
        update(resource_version)
        .where(v.resource_pk == pk, v.version == version, v.content == old)
        .values(content=new)
    )
    return int(conn.execute(stmt).rowcount)


def seal_in_place(
    conn: Connection, pk: int, context: tuple[str, str], sealing: ContentSealing, rows: IndexRows
) -> None:
    """Seal every clear version of one resource and replace its index rows by `rows`.

    For resources stored before a rule made them sensitive (`kangtong security relabel`):
    versions, times and ids stay; only the stored form of the content and the rows change.
    """
    v = resource_version.c
    found = conn.execute(
        select(v.version, v.content).where(v.resource_pk == pk, v.content.is_not(None))
    ).all()
    for version, content in found:
        clear = bytes(content)
        if not is_sealed(clear):
            sealed = sealing.seal(clear, content_context(*context))
            replace_sealed(conn, pk, int(version), clear, sealed)
    bulk.delete_by_resource(conn, [t.name for t in INDEX_TABLES.values()], [pk])
    for kind, kind_rows in rows.by_kind().items():
        if kind_rows:
            names = ("resource_pk", *INDEX_COLUMNS[kind])
            conn.execute(
                INDEX_TABLES[kind].insert(),
                [dict(zip(names, (pk, *r), strict=True)) for r in kind_rows],
            )
