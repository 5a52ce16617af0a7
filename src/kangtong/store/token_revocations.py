"""SQL for the access-token deny-list (`sec_revoked_token`) and its generation counter.

Every change to the deny-list raises the one-row generation counter in the same transaction,
so a reader that sees an unchanged generation knows the list is unchanged; on PostgreSQL the
counter's row lock also orders concurrent revocations.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy import Connection, delete, insert, select, update

from kangtong.store.security_tables import revocation_state, revoked_token

RevokedKind = Literal["jti", "grant", "subject"]
STATE_ROW = 1


@dataclass(frozen=True)
class RevokedRow:
    kind: RevokedKind
    value: str
    revoked: int  # µs; a token issued at or before this instant is denied
    expires: int  # µs; after this no token the row denies is in force, so it is purged


class RevocationStore:
    def deny(self, conn: Connection, row: RevokedRow) -> None:
        """Add (or widen) a deny row, purge expired rows and raise the generation."""
        conn.execute(delete(revoked_token).where(revoked_token.c.expires < row.revoked))
        key = (revoked_token.c.kind == row.kind, revoked_token.c.value == row.value)
        found = conn.execute(select(revoked_token.c.expires).where(*key)).first()
        if found is None:
            conn.execute(
                insert(revoked_token).values(
                    kind=row.kind, value=row.value, revoked=row.revoked, expires=row.expires
                )
            )
        else:
            conn.execute(
                update(revoked_token)
                .where(*key)
                .values(revoked=row.revoked, expires=max(row.expires, int(found.expires)))
            )
        self._raise_generation(conn)

    def _raise_generation(self, conn: Connection) -> None:
        raised = conn.execute(
            update(revocation_state)
            .where(revocation_state.c.id == STATE_ROW)
            .values(generation=revocation_state.c.generation + 1)
        )
        if raised.rowcount == 0:  # the migration seeds the row; a truncated table lost it
            conn.execute(insert(revocation_state).values(id=STATE_ROW, generation=1))

    def generation(self, conn: Connection) -> int:
        query = select(revocation_state.c.generation).where(revocation_state.c.id == STATE_ROW)
        found = conn.execute(query).scalar()
        return int(found or 0)

    def live(self, conn: Connection, now_us: int) -> list[tuple[str, str, int]]:
        """(kind, value, revoked µs) of the rows that still deny a token in force at `now_us`.

        Plain tuples: a process re-reads the whole list after each change, so per-row cost counts.
        """
        query = select(revoked_token.c.kind, revoked_token.c.value, revoked_token.c.revoked).where(
            revoked_token.c.expires >= now_us
        )
        return [(kind, value, int(revoked)) for kind, value, revoked in conn.execute(query).all()]
