"""Planner statistics, so search plans are right from the first query.

SQLite plans without statistics treat every index as equally selective and, on a large store,
choose to scan every Observation instead of probing the patient's few. At migration kangtong
seeds `sqlite_stat1` with the shape of a regional store (a handful of resource types, a
reference or code narrowing to a few rows, one resource to a few index rows per parameter);
`refresh_statistics` replaces the seed with measured figures after bulk loads.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

from kangtong.store.database import Database

# (table, index) → sqlite_stat1 "stat": rows, then average rows per distinct prefix of the key.
SQLITE_SEED: dict[tuple[str, str], str] = {
    ("resource", "ux_resource_type_id"): "1000000 50000 1",
    ("resource", "ix_resource_type_updated"): "1000000 50000 1",
    ("resource_version", "sqlite_autoindex_resource_version_1"): "1200000 1 1",
    ("resource_version", "ix_version_updated"): "1200000 1",
    ("resource_version", "ix_version_type_updated"): "1200000 60000 1",
    ("idx_token", "ix_idx_token_0"): "8000000 100000 200 100 1",
    ("idx_token", "ix_idx_token_resource"): "8000000 8 1",
    ("idx_string", "ix_idx_string_0"): "1000000 50000 5 1",
    ("idx_string", "ix_idx_string_resource"): "1000000 2 1",
    ("idx_date", "ix_idx_date_0"): "2000000 100000 10 10 1",
    ("idx_date", "ix_idx_date_1"): "2000000 100000 10 1",
    ("idx_date", "ix_idx_date_resource"): "2000000 2 1",
    ("idx_number", "ix_idx_number_0"): "100000 10000 10 1",
    ("idx_number", "ix_idx_number_resource"): "100000 1 1",
    ("idx_quantity", "ix_idx_quantity_0"): "1000000 100000 1000 10 1",
    ("idx_quantity", "ix_idx_quantity_resource"): "1000000 1 1",
    ("idx_reference", "ix_idx_reference_0"): "3000000 100000 20 20 1",
    ("idx_reference", "ix_idx_reference_1"): "3000000 30 30 10 1",
    ("idx_reference", "ix_idx_reference_resource"): "3000000 3 1",
    ("idx_uri", "ix_idx_uri_0"): "500000 50000 100 1",
    ("idx_uri", "ix_idx_uri_resource"): "500000 1 1",
    ("idx_composite", "ix_idx_composite_0"): "1000000 100000 1000 10 1",
    ("idx_composite", "ix_idx_composite_resource"): "1000000 2 1",
}


def seed_statistics(conn: Connection) -> None:
    """Give SQLite's planner the shape of a regional store, unless it has measured statistics."""
    if conn.dialect.name != "sqlite":
        return
    conn.exec_driver_sql("ANALYZE sqlite_schema")  # creates sqlite_stat1 if needed
    measured = conn.execute(
        text("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'resource'")
    ).scalar_one()
    if measured:
        return
    conn.execute(
        text("INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (:tbl, :idx, :stat)"),
        [{"tbl": tbl, "idx": idx, "stat": stat} for (tbl, idx), stat in SQLITE_SEED.items()],
    )
    conn.exec_driver_sql("ANALYZE sqlite_schema")  # reload the statistics into the planner


def refresh_statistics(db: Database) -> None:
    """Measure the data as it is now (after a bulk load): ANALYZE on both databases."""
    with db.engine.connect() as conn:
        if db.dialect == "sqlite":
            conn.exec_driver_sql("PRAGMA analysis_limit=2000")  # sampled: seconds, not minutes
        conn.exec_driver_sql("ANALYZE")
        conn.commit()
