"""SQL for web UI sessions (the only place that reads `sec_web_session`)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, delete, insert, select

from kangtong.store.export_tables import web_session


@dataclass(frozen=True)
class SessionRow:
    id_hash: str
    account_id: str
    csrf_token: str
    created: int
    expires: int


class WebSessionStore:
    def insert(self, conn: Connection, row: SessionRow) -> None:
        conn.execute(insert(web_session).values(**row.__dict__))

    def get(self, conn: Connection, id_hash: str) -> SessionRow | None:
        found = conn.execute(select(web_session).where(web_session.c.id_hash == id_hash))
        row = found.mappings().first()
        return SessionRow(**dict(row)) if row is not None else None

    def delete(self, conn: Connection, id_hash: str) -> None:
        conn.execute(delete(web_session).where(web_session.c.id_hash == id_hash))

    def delete_expired(self, conn: Connection, now: int) -> int:
        return conn.execute(delete(web_session).where(web_session.c.expires <= now)).rowcount
