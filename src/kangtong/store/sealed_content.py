"""Sealed resource versions as stored, for re-encryption after a field-key rotation.

Every version row whose content is sealed (does not start with ``{``, `store.sealing`) is
visited in key order and replaced only if unchanged meanwhile, so the job can run beside the
server and be repeated after an interruption.
"""

from __future__ import annotations

from sqlalchemy import Connection, func, select, tuple_, update

from kangtong.store.tables import resource_version

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
