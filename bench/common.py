"""Shared helpers for the benchmarks: stores, loading, a server subprocess, timing, SQL plans.

Every benchmark compares against a baseline measured in the same run (these machines are noisy),
aims only at 127.0.0.1, and bounds each request loop both in count and in seconds.
"""

from __future__ import annotations

import json
import os
import platform as host
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

from kangtong.core.config import Settings
from kangtong.fhir.access import AccessContext
from kangtong.platform import Platform, build_platform
from kangtong.store.migrate import upgrade
from kangtong.store.outbox import OutboxStore

RESULTS_DIR = Path(__file__).parent / "results"
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def patient_bundle(n: int) -> dict[str, Any]:
    """~50 resources: Patient, 5 Encounters, 30 Observations, 7 Conditions, 7 MedicationRequests."""
    pid = f"urn:uuid:{uuid.uuid4()}"
    entries: list[dict[str, Any]] = [
        {
            "fullUrl": pid,
            "resource": {
                "resourceType": "Patient",
                "identifier": [
                    {
                        "system": "urn:oid:2.16.156.10011.1.3",
                        "value": f"52010219800101{n % 10000:04d}",
                    }
                ],
                "name": [{"family": "张", "given": ["伟"]}],
                "gender": "male",
                "birthDate": "1980-01-01",
                "address": [{"city": "贵阳市", "district": "云岩区"}],
            },
            "request": {"method": "POST", "url": "Patient"},
        }
    ]
    for e in range(5):
        eid = f"urn:uuid:{uuid.uuid4()}"
        entries.append(
            {
                "fullUrl": eid,
                "resource": {
                    "resourceType": "Encounter",
                    "status": "finished",
                    "class": {
                        "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                        "code": "AMB",
                    },
                    "subject": {"reference": pid},
                    "period": {"start": f"2025-0{e + 1}-03T08:00:00+08:00"},
                },
                "request": {"method": "POST", "url": "Encounter"},
            }
        )
        for o in range(6):
            entries.append(
                {
                    "resource": {
                        "resourceType": "Observation",
                        "status": "final",
                        "code": {
                            "coding": [
                                {
                                    "system": "http://loinc.org",
                                    "code": f"2345-{o}",
                                    "display": "Glucose",
                                }
                            ]
                        },
                        "subject": {"reference": pid},
                        "encounter": {"reference": eid},
                        "effectiveDateTime": f"2025-0{e + 1}-03T09:0{o}:00+08:00",
                        "valueQuantity": {
                            "value": 5.1 + o,
                            "unit": "mmol/L",
                            "system": "http://unitsofmeasure.org",
                            "code": "mmol/L",
                        },
                    },
                    "request": {"method": "POST", "url": "Observation"},
                }
            )
    for c in range(7):
        entries.append(
            {
                "resource": {
                    "resourceType": "Condition",
                    "subject": {"reference": pid},
                    "code": {
                        "coding": [
                            {
                                "system": "urn:oid:2.16.156.10011.2.3.3.11",
                                "code": f"I1{c}",
                                "display": "高血压",
                            }
                        ]
                    },
                    "onsetDateTime": "2020-05-01",
                },
                "request": {"method": "POST", "url": "Condition"},
            }
        )
        entries.append(
            {
                "resource": {
                    "resourceType": "MedicationRequest",
                    "status": "active",
                    "intent": "order",
                    "subject": {"reference": pid},
                    "medicationCodeableConcept": {"text": "氨氯地平片"},
                    "authoredOn": "2025-01-03",
                },
                "request": {"method": "POST", "url": "MedicationRequest"},
            }
        )
    return {"resourceType": "Bundle", "type": "transaction", "entry": entries}


RESOURCES_PER_BUNDLE = len(patient_bundle(0)["entry"])


# -- stores --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Store:
    """One benchmark database: a SQLite file or a private PostgreSQL schema."""

    name: str
    url: str


@contextmanager
def sqlite_store(path: str | None) -> Iterator[Store]:
    """The SQLite file at `path` (kept), or a temporary one removed at the end."""
    if path:
        yield Store("sqlite", f"sqlite:///{path}")
        return
    with tempfile.TemporaryDirectory(prefix="kt_bench_") as tmp:
        yield Store("sqlite", f"sqlite:///{tmp}/bench.db")


@contextmanager
def postgresql_store(base_url: str, schema: str | None) -> Iterator[Store]:
    """A new `kt_bench_<random>` schema dropped at the end, or the named one (kept)."""
    keep = schema is not None
    schema = schema or f"kt_bench_{uuid.uuid4().hex[:8]}"
    engine = create_engine(base_url)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
    try:
        yield Store("postgresql", f"{base_url}?options=-csearch_path%3D{schema}")
    finally:
        if not keep:
            with engine.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


def open_store(
    name: str, *, pg_url: str, sqlite_path: str | None = None, pg_schema: str | None = None
) -> AbstractContextManager[Store]:
    return sqlite_store(sqlite_path) if name == "sqlite" else postgresql_store(pg_url, pg_schema)


def databases(choice: str) -> list[str]:
    return ["sqlite", "postgresql"] if choice == "both" else [choice]


def open_platform(url: str) -> Platform:
    platform = build_platform(Settings(database_url=url))
    upgrade(platform.db)
    return platform


def stored_count(platform: Platform) -> int:
    with platform.db.read() as conn:
        return int(conn.execute(text("SELECT count(*) FROM resource")).scalar_one())


def load_resources(
    platform: Platform, resources: int, *, label: str = "", report_every: float = 30.0
) -> dict[str, Any]:
    """Top the store up to `resources` with patient bundles through the real write path."""
    ctx = AccessContext.system("bench")
    present = stored_count(platform)
    bundles = max(0, (resources - present) // RESOURCES_PER_BUNDLE)
    start = last = time.perf_counter()
    for i in range(bundles):
        platform.bundles.process(ctx, patient_bundle(present // RESOURCES_PER_BUNDLE + i))
        now = time.perf_counter()
        if now - last >= report_every:
            done = (i + 1) * RESOURCES_PER_BUNDLE
            print(
                f"[{label}] loaded {done:,}/{bundles * RESOURCES_PER_BUNDLE:,} "
                f"({done / (now - start):,.0f} res/s)",
                flush=True,
            )
            last = now
    elapsed = time.perf_counter() - start
    loaded = bundles * RESOURCES_PER_BUNDLE
    return {
        "already_present": present,
        "loaded": loaded,
        "load_seconds": round(elapsed, 1),
        "load_resources_per_s": round(loaded / elapsed) if loaded else None,
        "stored": stored_count(platform),
    }


def sample_ids(
    platform: Platform, res_type: str | None, limit: int, seed: int = 7
) -> list[tuple[str, str]]:
    """Up to `limit` random live (type, id) pairs, drawn in the database."""
    where = "deleted = :f" + (" AND res_type = :t" if res_type else "")
    sql = f"SELECT res_type, res_id FROM resource WHERE {where} ORDER BY random() LIMIT :n"
    with platform.db.read() as conn:
        if platform.db.dialect == "postgresql":
            conn.execute(text("SELECT setseed(:s)"), {"s": seed / 1000})
        rows = conn.execute(text(sql), {"f": False, "t": res_type, "n": limit}).all()
    return [(r[0], r[1]) for r in rows]


# -- timing --------------------------------------------------------------------------------


def summarise(samples: list[float]) -> dict[str, Any]:
    """Latency figures in milliseconds from samples in seconds."""
    if not samples:
        return {"n": 0}
    ordered = sorted(samples)

    def pct(p: float) -> float:
        return round(1000 * ordered[min(len(ordered) - 1, int(p * len(ordered)))], 3)

    return {
        "n": len(ordered),
        "p50_ms": pct(0.50),
        "p95_ms": pct(0.95),
        "p99_ms": pct(0.99),
        "max_ms": round(1000 * ordered[-1], 3),
        "mean_ms": round(1000 * statistics.fmean(ordered), 3),
    }


def timed_loop(call: Callable[[int], object], count: int, max_seconds: float) -> list[float]:
    """Run `call(i)` up to `count` times or until `max_seconds` pass; per-call durations."""
    samples: list[float] = []
    deadline = time.perf_counter() + max_seconds
    for i in range(count):
        start = time.perf_counter()
        call(i)
        end = time.perf_counter()
        samples.append(end - start)
        if end > deadline:
            break
    return samples


def ratio(value: dict[str, Any], baseline: dict[str, Any], key: str = "p50_ms") -> float | None:
    if not value.get(key) or not baseline.get(key):
        return None
    return round(value[key] / baseline[key], 2)


# -- a real server in a subprocess ---------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_server(url: str, *, startup_seconds: float = 60.0, workers: int = 1) -> Iterator[str]:
    """`kangtong serve [--workers N]` on a free 127.0.0.1 port; yields its base URL; always
    stopped (the whole process group: the supervisor and its workers)."""
    # The server logs every request to stderr: a file, never a pipe nobody reads (a full pipe
    # would block the server mid-benchmark).
    with tempfile.TemporaryFile() as log:
        yield from _serve(url, log, startup_seconds, workers)


def _serve(url: str, log: Any, startup_seconds: float, workers: int) -> Iterator[str]:
    import httpx

    port = free_port()
    kangtong = Path(sys.executable).with_name("kangtong")
    command = [str(kangtong), "serve", "--database-url", url, "--host", "127.0.0.1"]
    proc = subprocess.Popen(
        [*command, "--port", str(port), "--workers", str(workers)],
        stdout=subprocess.DEVNULL,
        stderr=log,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    # The API needs a bearer token (issue 7); client processes started later inherit it.
    os.environ[BENCH_TOKEN_VARIABLE] = api_headers(url)["Authorization"]
    try:
        deadline = time.monotonic() + startup_seconds
        while True:
            log.seek(0)
            output = log.read().decode(errors="replace")
            if proc.poll() is not None:
                raise RuntimeError(f"server exited: {output[-2000:]}")
            # Every worker logs this once it serves; /healthz alone may answer from the first.
            started = output.count("Application startup complete") >= workers
            try:
                if started and httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start in time")
            time.sleep(0.2)
        yield base
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def wait_for_outbox(url: str, *, max_seconds: float = 300.0) -> float:
    """Seconds until every outbox subscriber has acknowledged every event (or the limit)."""
    started = time.monotonic()
    while time.monotonic() - started < max_seconds:
        backlog = outbox_backlog(url)
        if backlog["events_written"] == 0 or (
            backlog["unacknowledged"] and not any(backlog["unacknowledged"].values())
        ):
            break
        time.sleep(0.5)
    return round(time.monotonic() - started, 1)


def outbox_backlog(url: str) -> dict[str, Any]:
    """Events written, and per subscriber those not yet acknowledged (`OutboxStore.backlog`)."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            written = conn.execute(text("SELECT count(*) FROM outbox")).scalar_one()
            behind = OutboxStore().backlog(conn)
    finally:
        engine.dispose()
    return {"events_written": written, "unacknowledged": behind}


BENCH_TOKEN_VARIABLE = "KANGTONG_BENCH_AUTHORIZATION"


def bench_headers() -> dict[str, str]:
    """The Authorization header `running_server` prepared for this run's clients."""
    value = os.environ.get(BENCH_TOKEN_VARIABLE)
    return {"Authorization": value} if value else {}


def api_headers(url: str, role: str = "system", ttl_seconds: int = 3600) -> dict[str, str]:
    """A bearer token for the server of `url` (same key folder: the same working directory)."""
    from kangtong.security.tokens import TokenClaims

    platform = build_platform(Settings(database_url=url))
    try:
        scopes = ("system/*.cruds",)
        claims = TokenClaims("cli/bench", "kangtong-bench", scopes, (role,))
        token = platform.security.tokens.issue(claims, ttl_seconds).token
    finally:
        platform.close()
    return {"Authorization": f"Bearer {token}"}


# -- SQL capture and plans -----------------------------------------------------------------


@contextmanager
def captured_sql(platform: Platform) -> Iterator[list[dict[str, Any]]]:
    """Every statement (with parameters and duration) the platform issues inside the block."""
    statements: list[dict[str, Any]] = []
    engine = platform.db.engine

    def before(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        statements.append({"sql": statement, "params": parameters, "start": time.perf_counter()})

    def after(*_: Any) -> None:
        entry = statements[-1]
        entry["ms"] = round(1000 * (time.perf_counter() - entry.pop("start")), 3)

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)


def explain(platform: Platform, sql: str, params: Any) -> list[str]:
    """EXPLAIN QUERY PLAN (SQLite) or EXPLAIN (ANALYZE, BUFFERS) (PostgreSQL) of one statement."""
    prefix = (
        "EXPLAIN QUERY PLAN " if platform.db.dialect == "sqlite" else "EXPLAIN (ANALYZE, BUFFERS) "
    )
    raw = platform.db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute(prefix + sql, params)
        rows = cursor.fetchall()
        cursor.close()
        raw.rollback()
    finally:
        raw.close()
    if platform.db.dialect == "sqlite":
        return [f"{row[0]}|{row[1]}| {row[3]}" for row in rows]
    return [row[0] for row in rows]


def statement_report(platform: Platform, statements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The SELECTs of one captured call, each with its duration, parameters and plan."""
    report = []
    for s in statements:
        if not s["sql"].lstrip().upper().startswith("SELECT"):
            continue
        report.append(
            {
                "ms": s.get("ms"),
                "sql": " ".join(s["sql"].split()),
                "params": _jsonable(s["params"]),
                "plan": explain(platform, s["sql"], s["params"]),
            }
        )
    return report


def _jsonable(params: Any) -> Any:
    if isinstance(params, dict):
        return {k: _jsonable(v) for k, v in params.items()}
    if isinstance(params, (list, tuple)):
        return [_jsonable(v) for v in params]
    return params if isinstance(params, (int, float, str, bool, type(None))) else repr(params)


def planner_statistics(platform: Platform) -> dict[str, Any]:
    """Whether the planner has statistics: sqlite_stat1 rows, or PostgreSQL's analyze times."""
    with platform.db.read() as conn:
        if platform.db.dialect == "sqlite":
            present = conn.execute(
                text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
            ).scalar_one()
            rows = (
                conn.execute(text("SELECT count(*) FROM sqlite_stat1")).scalar_one()
                if present
                else 0
            )
            return {"sqlite_stat1_rows": rows}
        stats = conn.execute(
            text(
                "SELECT relname, n_live_tup, last_analyze, last_autoanalyze FROM pg_stat_user_tables"
                " WHERE schemaname = current_schema() AND relname IN"
                " ('resource', 'idx_token', 'idx_reference', 'idx_date')"
            )
        ).all()
        autovacuum = conn.execute(text("SHOW autovacuum")).scalar_one()
        tables = {
            r[0]: {"n_live_tup": r[1], "last_analyze": str(r[2]), "last_autoanalyze": str(r[3])}
            for r in stats
        }
        return {"autovacuum": autovacuum, "tables": tables}


# -- results -------------------------------------------------------------------------------


def environment() -> dict[str, Any]:
    return {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "python": sys.version.split()[0],
        "machine": f"{host.system()} {host.machine()}, {os.cpu_count()} cpus",
        "loadavg_1m": round(os.getloadavg()[0], 2),
    }


def database_label(url: str) -> str:
    return make_url(url).get_backend_name()


def write_results(name: str, data: dict[str, Any]) -> Path:
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / name
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {path}", flush=True)
    return path


def asgi_request_us(app: Any, requests: int, headers: list[tuple[bytes, bytes]]) -> float:
    """Mean µs of one `GET /fhir/Patient/a?name=x` through the ASGI `app`, called directly
    (no server, no socket): what a middleware stack costs a request on its own."""
    import asyncio

    scope = {
        "type": "http",
        "method": "GET",
        "path": "/fhir/Patient/a",
        "query_string": b"name=x",
        "scheme": "http",
        "headers": [(b"host", b"127.0.0.1:8080"), *headers],
    }

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(_message: dict[str, Any]) -> None:
        return None

    async def run() -> float:
        started = time.perf_counter()
        for _ in range(requests):
            await app(dict(scope), receive, send)
        return (time.perf_counter() - started) / requests * 1e6

    return asyncio.run(run())
