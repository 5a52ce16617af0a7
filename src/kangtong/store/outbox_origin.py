"""After a restore into another PostgreSQL cluster, outbox positions are rebased, nothing skipped.

The outbox's xid columns hold transaction ids of the cluster that wrote them. `kangtong
restore` (pg_restore) into another cluster carries them over, but that cluster counts
transactions from its own, usually lower, number: new events would sort before positions
already acknowledged and be skipped for good, and restored ones would wait until the counter
passed them. `outbox_origin` records the cluster (`pg_control_system().system_identifier`).
Every dispatcher checks it before its first delivery and, if it names another cluster, rebases
in one transaction:

- every committed row gets xid 0: its writer has ended, and seq keeps the rows' order;
- each cursor (X, S) becomes (0, m), m = min(S, first seq after (X, S) − 1). Every row with
  seq ≤ m had been acknowledged, so nothing is skipped; a row acknowledged ahead of a lower seq
  (overlapping transactions) is delivered again, which at-least-once allows. Rows written in
  this cluster before the rebase took seqs above every restored one, so above S: they are
  delivered, whatever their xid. Rows still in flight keep their xid (> 0) and follow.

A cluster made by pg_upgrade gets a new identifier but keeps the counter: the rebase is then
unneeded but harmless. A promoted physical standby keeps both. Dispatchers that started before
a restore are not expected (a restore needs an empty database).
"""

from __future__ import annotations

from sqlalchemy import Connection, func, insert, select, text, tuple_, update

from kangtong.store.database import Database
from kangtong.store.locks import hold_until_commit
from kangtong.store.tables import outbox, outbox_cursor, outbox_origin


def adopt_restored_outbox(db: Database) -> bool:
    """Rebase the outbox if it was written by another PostgreSQL cluster; True if it was."""
    if db.dialect != "postgresql":
        return False  # no transaction ids on SQLite
    with db.write() as conn:
        hold_until_commit(conn, ["outbox origin"])
        here = conn.execute(text("SELECT system_identifier FROM pg_control_system()"))
        cluster = int(here.scalar_one())
        recorded = conn.execute(select(outbox_origin.c.system_identifier)).first()
        if recorded is not None and recorded[0] == cluster:
            return False
        rebase = recorded is not None and recorded[0] is not None
        if rebase:
            _rebase(conn)
        conn.execute(outbox_origin.delete())
        conn.execute(insert(outbox_origin).values(id=1, system_identifier=cluster))
        return rebase


def _rebase(conn: Connection) -> None:
    row = outbox.alias("o")
    first_unacknowledged = (
        select(func.min(row.c.seq))
        .where(
            tuple_(row.c.xid, row.c.seq)
            > tuple_(outbox_cursor.c.last_xid, outbox_cursor.c.last_seq)
        )
        .scalar_subquery()
    )
    last_seq = outbox_cursor.c.last_seq
    conn.execute(
        update(outbox_cursor).values(
            last_xid=0,
            last_seq=func.least(last_seq, func.coalesce(first_unacknowledged - 1, last_seq)),
        )
    )
    conn.execute(update(outbox).where(outbox.c.xid != 0).values(xid=0))
