"""SQL for the refusal counters shared by every worker process (`sec_refusal_window`).

One row per subject (a kind of refusal and an address or principal) and fixed time window;
each refusal adds one in a single upsert statement, so concurrent processes never lose a count.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete
from sqlalchemy.dialects import postgresql, sqlite

from kangtong.store.security_tables import refusal_window


class RefusalWindowStore:
    def add(self, conn: Connection, subject: str, window_start: int, count: int = 1) -> int:
        """Add `count` refusals to the subject's window; the window's total afterwards."""
        dialect: Any = postgresql if conn.dialect.name == "postgresql" else sqlite
        statement = dialect.insert(refusal_window).values(
            subject=subject, window_start=window_start, refused=count
        )
        statement = statement.on_conflict_do_update(
            index_elements=["subject", "window_start"],
            set_={"refused": refusal_window.c.refused + statement.excluded.refused},
        ).returning(refusal_window.c.refused)
        return int(conn.execute(statement).scalar_one())

    def forget_before(self, conn: Connection, window_start: int) -> int:
        """Drop the counters of windows that started before `window_start`."""
        stale = delete(refusal_window).where(refusal_window.c.window_start < window_start)
        return conn.execute(stale).rowcount
