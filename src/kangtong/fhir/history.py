"""History (`_history`, vread) decided per version, exactly as a read of what the version holds.

A version is about the patient its content names and carries the labels its content earns, so
each one is put to the access policy like a read of that content, with the owner the store
recorded for the resource. A delete (tombstone) holds no content: the last content before it
decides, so deleting a record never opens its history (issue 13, finding 2). History across
resources leaves out the versions the caller may not see; its paging counts visible entries
only and it gives no total (counting would mean deciding every version in the store).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection

from kangtong.core.errors import Forbidden, Unprocessable
from kangtong.fhir.access import AccessContext, AccessNote, Owner
from kangtong.store.database import Database
from kangtong.store.records import CurrentState, StoredVersion
from kangtong.store.repository import ResourceRepository

# Ask the policy about one version: (ctx, type, content, owner) → note, or raise Forbidden.
VersionCheck = Callable[[AccessContext, str, Mapping[str, Any], Owner], AccessNote]
SCAN_BATCH = 200
SCAN_LIMIT = 20_000  # versions looked at for one page before the caller is asked to narrow


@dataclass(frozen=True)
class VisibleHistory:
    versions: list[StoredVersion]
    has_more: bool
    note: AccessNote


def deciding_content(
    repository: ResourceRepository, conn: Connection, version: StoredVersion
) -> bytes | None:
    """The content a version is judged on: its own, or for a delete the version before it."""
    if version.content is not None:
        return version.content
    for earlier in range(version.version - 1, 0, -1):
        found = repository.version(conn, version.res_type, version.res_id, earlier)
        if found is not None and found.content is not None:
            return found.content
    return None


def last_content(
    repository: ResourceRepository, conn: Connection, current: CurrentState
) -> bytes | None:
    """The newest content a resource ever held (the current one unless it was deleted)."""
    if current.content is not None:
        return current.content
    latest = StoredVersion(
        current.res_type, current.res_id, current.version, current.last_updated_us, "", None
    )
    return deciding_content(repository, conn, latest)


class VersionAccess:
    """Which stored versions a caller may see, decided one version at a time."""

    def __init__(
        self,
        db: Database,
        repository: ResourceRepository,
        check: VersionCheck,
        *,
        batch: int = SCAN_BATCH,
        scan_limit: int = SCAN_LIMIT,
    ) -> None:
        self.db = db
        self.repository = repository
        self.check = check
        self.batch = batch
        self.scan_limit = scan_limit

    def visible(
        self,
        ctx: AccessContext,
        *,
        res_type: str | None,
        res_id: str | None,
        since_us: int | None,
        count: int,
        offset: int,
    ) -> VisibleHistory:
        """The page `offset … offset+count` of the versions `ctx` may see, newest first."""
        wanted = offset + count + 1  # one more tells whether a next page exists
        seen: list[StoredVersion] = []
        patients: set[str] = set()
        grants: set[str] = set()
        scanned = 0
        while len(seen) < wanted:
            with self.db.read() as conn:
                batch, total = self.repository.history(
                    conn, res_type=res_type, res_id=res_id, since_us=since_us,
                    at_most=self.batch, offset=scanned,
                )  # fmt: skip
                keys = sorted({(v.res_type, v.res_id) for v in batch})
                owners = self.repository.current_many(conn, keys)
                for version in batch:
                    note = self._decide(
                        conn, ctx, version, owners.get((version.res_type, version.res_id))
                    )
                    if note is not None:
                        seen.append(version)
                        patients |= note.patients
                        grants |= {note.break_glass} if note.break_glass else set()
            scanned += len(batch)
            if not batch or scanned >= total:
                break
            if scanned >= self.scan_limit:
                raise Unprocessable(
                    f"History of more than {self.scan_limit} versions cannot be filtered in one "
                    "request; narrow it with _since or a resource type"
                )
        page = seen[offset : offset + count]
        note = AccessNote(frozenset(patients), ",".join(sorted(grants)) or None)
        return VisibleHistory(page, len(seen) > offset + count, note)

    def _decide(
        self,
        conn: Connection,
        ctx: AccessContext,
        version: StoredVersion,
        current: CurrentState | None,
    ) -> AccessNote | None:
        content = deciding_content(self.repository, conn, version)
        if content is None or current is None:
            return None  # nothing to judge on: never shown
        owner = Owner(current.owner_org, current.district)
        try:
            return self.check(ctx, version.res_type, orjson.loads(content), owner)
        except Forbidden:
            return None
