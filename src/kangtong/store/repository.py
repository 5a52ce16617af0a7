"""Reading and writing resource versions. Every method runs inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Connection, and_, func, select, tuple_

from kangtong.store import bulk
from kangtong.store.index_rows import INDEX_COLUMNS, IndexRows
from kangtong.store.locks import hold_until_commit
from kangtong.store.records import CurrentState, StoredVersion, VersionWrite, VersionWriter
from kangtong.store.sealing import ContentSealing, content_context, is_sealed
from kangtong.store.tables import INDEX_TABLES, resource, resource_version

_CURRENT_COLUMNS = (
    resource.c.pk,
    resource.c.res_type,
    resource.c.res_id,
    resource.c.version,
    resource.c.last_updated,
    resource.c.deleted,
    resource_version.c.content,
    resource.c.owner_org,
    resource.c.district,
)
_JOIN_CURRENT = resource.join(
    resource_version,
    and_(
        resource_version.c.resource_pk == resource.c.pk,
        resource_version.c.version == resource.c.version,
    ),
)
_VERSION_COLUMNS = (
    resource_version.c.res_type,
    resource_version.c.res_id,
    resource_version.c.version,
    resource_version.c.last_updated,
    resource_version.c.method,
    resource_version.c.content,
)
_RESOURCE_COLUMNS = (
    "pk",
    "res_type",
    "res_id",
    "version",
    "last_updated",
    "deleted",
    "owner_org",
    "district",
)
_VERSION_WRITE_COLUMNS = (
    "resource_pk",
    "version",
    "res_type",
    "res_id",
    "last_updated",
    "method",
    "content",
    "written_by",
    "written_as",
)


def _as_bytes(value: object) -> bytes | None:
    if value is None:
        return None
    return bytes(cast(bytes, value))  # PostgreSQL returns a memoryview


# A transaction creating more resources than this under ids of its own takes no name locks for
# the rest (PostgreSQL's shared lock table is finite); a racing creator of the same id then meets the
# unique index instead, and the service answers 409 rather than waiting.
MAX_NAME_LOCKS = 200


def _name_lock_budget(conn: Connection, wanted: int) -> bool:
    """Whether this transaction may take `wanted` more name locks (and count them if so).

    Counted per transaction, not per call: a bundle of conditional updates asks for one name
    at a time.
    """
    transaction = id(conn.get_transaction())
    owner, taken = conn.info.get("kangtong_name_locks", (None, 0))
    taken = taken if owner == transaction else 0
    if taken + wanted > MAX_NAME_LOCKS:
        return False
    conn.info["kangtong_name_locks"] = (transaction, taken + wanted)
    return True


def _locks_rows(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql" and bool(
        conn.get_execution_options().get("kangtong_write")
    )


def lock_for_write(conn: Connection, keys: Sequence[tuple[str, str]]) -> None:
    """Hold every named resource until commit, whether it exists yet or not (PostgreSQL).

    Existing rows are locked alone (`FOR UPDATE` on `resource`, never over a join: after a
    wait PostgreSQL re-checks a joined row against the old version row and drops it, and the
    update would turn into a create). Names with no row yet get a transaction advisory lock,
    so two writers creating the same id take turns and the second finds the first's row.
    Rows are locked in key order, so two writers of overlapping sets cannot deadlock on them.
    """
    wanted = sorted(set(keys))
    locked = _lock_rows(conn, wanted)
    missing = [k for k in wanted if k not in locked]
    if missing and _name_lock_budget(conn, len(missing)):
        hold_until_commit(conn, [f"resource:{t}/{i}" for t, i in missing])
        _lock_rows(conn, missing)  # created and committed while we waited: lock it too


def _lock_rows(conn: Connection, keys: Sequence[tuple[str, str]]) -> set[tuple[str, str]]:
    locked: set[tuple[str, str]] = set()
    for start in range(0, len(keys), 500):
        chunk = list(keys[start : start + 500])
        stmt = (
            select(resource.c.res_type, resource.c.res_id)
            .where(tuple_(resource.c.res_type, resource.c.res_id).in_(chunk))
            .order_by(resource.c.pk)
            .with_for_update()
        )
        locked.update((t, i) for t, i in conn.execute(stmt))
    return locked


class ResourceRepository:
    """The resource tables: current pointers, version history and search indexes.

    Content whose index rows are marked `sealed` is stored sealed by `sealing` and opened on
    every read, so callers above the store only ever see the JSON as written.
    """

    def __init__(self, sealing: ContentSealing) -> None:
        self.sealing = sealing

    def _opened(self, raw: object, res_type: str, res_id: str) -> bytes | None:
        content = _as_bytes(raw)
        if content is None or not is_sealed(content):
            return content
        return self.sealing.open(content, content_context(res_type, res_id))

    def _stored(self, w: VersionWrite) -> bytes | None:
        if w.content is None or w.index is None or not w.index.sealed:
            return w.content
        return self.sealing.seal(w.content, content_context(w.res_type, w.res_id))

    def current(self, conn: Connection, res_type: str, res_id: str) -> CurrentState | None:
        """The current state; in a PostgreSQL write transaction the row is locked to commit."""
        if _locks_rows(conn):
            lock_for_write(conn, [(res_type, res_id)])
        stmt = (
            select(*_CURRENT_COLUMNS)
            .select_from(_JOIN_CURRENT)
            .where(resource.c.res_type == res_type, resource.c.res_id == res_id)
        )
        row = conn.execute(stmt).first()
        if row is None:
            return None
        return CurrentState(*row[:6], self._opened(row[6], row[1], row[2]), *row[7:])

    def current_many(
        self, conn: Connection, keys: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], CurrentState]:
        """Current states of many resources at once (missing keys are absent from the result).

        In a PostgreSQL write transaction every key is locked to commit, as `current` does.
        """
        if _locks_rows(conn):
            lock_for_write(conn, keys)
        found: dict[tuple[str, str], CurrentState] = {}
        for start in range(0, len(keys), 500):
            chunk = list(keys[start : start + 500])
            stmt = (
                select(*_CURRENT_COLUMNS)
                .select_from(_JOIN_CURRENT)
                .where(tuple_(resource.c.res_type, resource.c.res_id).in_(chunk))
            )
            for row in conn.execute(stmt):
                state = CurrentState(*row[:6], self._opened(row[6], row[1], row[2]), *row[7:])
                found[(state.res_type, state.res_id)] = state
        return found

    def type_fingerprint(self, conn: Connection, res_type: str) -> tuple[int, int]:
        """(resources, sum of their versions) of a type: every write raises one of the two."""
        stmt = select(func.count(), func.coalesce(func.sum(resource.c.version), 0)).where(
            resource.c.res_type == res_type
        )
        count, versions = conn.execute(stmt).one()
        return int(count), int(versions)

    def contents_by_pk(self, conn: Connection, pks: Sequence[int]) -> dict[int, bytes]:
        """Current content of live resources, keyed by resource key."""
        result: dict[int, bytes] = {}
        for start in range(0, len(pks), 500):
            chunk = list(pks[start : start + 500])
            stmt = (
                select(
                    resource.c.pk, resource_version.c.content, resource.c.res_type,
                    resource.c.res_id,
                )
                .select_from(_JOIN_CURRENT)
                .where(resource.c.pk.in_(chunk), resource.c.deleted.is_(False))
            )  # fmt: skip
            for pk, content, res_type, res_id in conn.execute(stmt):
                result[pk] = self._opened(content, res_type, res_id) or b""
        return result

    def writers(
        self, conn: Connection, res_type: str, res_ids: Sequence[str]
    ) -> dict[str, VersionWriter]:
        """Who wrote the current version of each named resource.

        Ids that do not exist, or whose current version has no recorded writer, are absent.
        """
        found: dict[str, VersionWriter] = {}
        columns = (resource.c.res_id, resource_version.c.written_by,
                   resource_version.c.written_as, resource.c.owner_org)  # fmt: skip
        for start in range(0, len(res_ids), 500):
            chunk = list(res_ids[start : start + 500])
            stmt = (
                select(*columns)
                .select_from(_JOIN_CURRENT)
                .where(resource.c.res_type == res_type, resource.c.res_id.in_(chunk))
            )
            for res_id, principal, roles, org in conn.execute(stmt):
                if principal is None:
                    continue  # stored before writers were recorded: no writer known
                found[res_id] = VersionWriter(
                    principal, frozenset(filter(None, (roles or "").split(","))), org
                )
        return found

    def version(
        self, conn: Connection, res_type: str, res_id: str, version: int
    ) -> StoredVersion | None:
        stmt = select(*_VERSION_COLUMNS).where(
            resource_version.c.res_type == res_type,
            resource_version.c.res_id == res_id,
            resource_version.c.version == version,
        )
        row = conn.execute(stmt).first()
        return None if row is None else self._version_of(row)

    def history(
        self,
        conn: Connection,
        *,
        res_type: str | None,
        res_id: str | None,
        since_us: int | None,
        at_most: int,
        offset: int,
    ) -> tuple[list[StoredVersion], int]:
        """Versions newest first, with the total number that match."""
        conditions = []
        if res_type is not None:
            conditions.append(resource_version.c.res_type == res_type)
        if res_id is not None:
            conditions.append(resource_version.c.res_id == res_id)
        if since_us is not None:
            conditions.append(resource_version.c.last_updated >= since_us)
        total = conn.execute(
            select(func.count()).select_from(resource_version).where(*conditions)
        ).scalar_one()
        stmt = (
            select(*_VERSION_COLUMNS)
            .where(*conditions)
            .order_by(resource_version.c.last_updated.desc(), resource_version.c.version.desc())
            .limit(at_most)
            .offset(offset)
        )
        versions = [self._version_of(row) for row in conn.execute(stmt)]
        return versions, total

    def _version_of(self, row: Sequence[Any]) -> StoredVersion:
        res_type, res_id, version, last_updated_us, method, content = row
        return StoredVersion(
            res_type, res_id, version, last_updated_us, method,
            self._opened(content, res_type, res_id),
        )  # fmt: skip

    def write(self, conn: Connection, writes: Sequence[VersionWrite]) -> None:
        """Store new versions: current pointers, history rows and fresh index rows, in bulk."""
        fresh = [w for w in writes if w.existing_pk is None]
        for w, pk in zip(fresh, bulk.allocate_pks(conn, len(fresh)), strict=True):
            w.existing_pk = pk
        fresh_pks = {id(w) for w in fresh}
        updated = [w for w in writes if id(w) not in fresh_pks]
        bulk.update_current(
            conn,
            [
                (
                    w.version,
                    w.last_updated_us,
                    w.content is None,
                    w.owner_org,
                    w.district,
                    w.existing_pk,
                )
                for w in updated
            ],
        )
        bulk.delete_by_resource(
            conn, [t.name for t in INDEX_TABLES.values()], [w.existing_pk or 0 for w in updated]
        )
        new_resources = [
            (
                w.existing_pk,
                w.res_type,
                w.res_id,
                w.version,
                w.last_updated_us,
                w.content is None,
                w.owner_org,
                w.district,
            )
            for w in fresh
        ]
        versions = [
            (
                w.existing_pk,
                w.version,
                w.res_type,
                w.res_id,
                w.last_updated_us,
                w.method,
                self._stored(w),
                w.written_by,
                w.written_as,
            )
            for w in writes
        ]
        bulk.insert_batches(
            conn,
            [
                (resource, _RESOURCE_COLUMNS, new_resources),
                (resource_version, _VERSION_WRITE_COLUMNS, versions),
                *self._index_batches(writes),
            ],
        )

    def _index_batches(self, writes: Sequence[VersionWrite]) -> list[bulk.Batch]:
        grouped: dict[str, list[tuple[object, ...]]] = {kind: [] for kind in INDEX_COLUMNS}
        for w in writes:
            if w.index is None or w.content is None:
                continue
            pk = w.existing_pk
            rows: IndexRows = w.index
            for kind, kind_rows in rows.by_kind().items():
                target = grouped[kind]
                for row in kind_rows:
                    target.append((pk, *row))
        return [
            (INDEX_TABLES[kind], ("resource_pk", *INDEX_COLUMNS[kind]), rows_of_kind)
            for kind, rows_of_kind in grouped.items()
        ]
