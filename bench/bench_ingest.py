"""Transaction-bundle ingest with all indexes, against a same-run raw-insert baseline.

Writes bench/results/ingest.json. Usage: python bench/bench_ingest.py [--bundles N] [--pg URL]
Raw baseline: the same resource JSON inserted into a plain table, one transaction per bundle
(executemany on SQLite, COPY on PostgreSQL).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import text

from kangtong.core.config import Settings
from kangtong.fhir.access import AccessContext
from kangtong.platform import build_platform
from kangtong.store.database import open_database
from kangtong.store.migrate import upgrade

RESULTS = Path(__file__).parent / "results" / "ingest.json"


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


def raw_baseline(url: str, bundles: list[bytes]) -> float:
    db = open_database(url)
    with db.engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS bench_raw"))
        conn.execute(text("CREATE TABLE bench_raw (id VARCHAR(64) PRIMARY KEY, content TEXT)"))
    docs = [
        [
            (str(uuid.uuid4()), orjson.dumps(e["resource"]).decode())
            for e in orjson.loads(b)["entry"]
        ]
        for b in bundles
    ]
    start = time.perf_counter()
    for rows in docs:
        with db.engine.begin() as conn:
            driver: Any = conn.connection.driver_connection
            if db.dialect == "postgresql":
                with (
                    driver.cursor() as cur,
                    cur.copy("COPY bench_raw (id, content) FROM STDIN") as copy,
                ):
                    for row in rows:
                        copy.write_row(row)
            else:
                driver.executemany("INSERT INTO bench_raw (id, content) VALUES (?, ?)", rows)
    elapsed = time.perf_counter() - start
    with db.engine.begin() as conn:
        conn.execute(text("DROP TABLE bench_raw"))
    db.dispose()
    return sum(len(r) for r in docs) / elapsed


def kangtong_ingest(url: str, bundles: list[bytes]) -> float:
    platform = build_platform(Settings(database_url=url))
    upgrade(platform.db)
    platform.close()
    total = sum(len(orjson.loads(b)["entry"]) for b in bundles)
    timing: dict[str, float] = {}
    _ingest_worker(url, bundles, timing=timing)
    return total / timing["seconds"]


def _ingest_worker(
    url: str, bundles: list[bytes], ready: Any = None, timing: dict[str, float] | None = None
) -> None:
    """One server worker: its own platform, posting transaction bundles one after another.

    Like a running server it is built and warmed up (one bundle of its own) before timing.
    """
    platform = build_platform(Settings(database_url=url))
    ctx = AccessContext.system("bench")
    platform.bundles.process(ctx, patient_bundle(10_000_000 + id(platform) % 1000))
    parsed = [orjson.loads(raw) for raw in bundles]
    if ready is not None:
        ready.wait()  # start together, after every worker has loaded and warmed up
    start = time.perf_counter()
    for bundle in parsed:
        platform.bundles.process(ctx, bundle)
    if timing is not None:
        timing["seconds"] = time.perf_counter() - start
    platform.close()


def kangtong_ingest_parallel(url: str, bundles: list[bytes], workers: int) -> float:
    """`workers` processes (as `uvicorn --workers N` would run) sharing one database."""
    from multiprocessing import get_context

    total = sum(len(orjson.loads(b)["entry"]) for b in bundles)
    context = get_context("spawn")
    ready = context.Barrier(workers + 1)
    processes = [
        context.Process(target=_ingest_worker, args=(url, bundles[i::workers], ready))
        for i in range(workers)
    ]
    for process in processes:
        process.start()
    ready.wait()
    start = time.perf_counter()
    for process in processes:
        process.join()
    if any(p.exitcode != 0 for p in processes):
        raise RuntimeError("an ingest worker failed")
    return total / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bundles", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2, help="processes for the parallel run")
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    bundles = [orjson.dumps(patient_bundle(i)) for i in range(args.bundles)]
    results: dict[str, Any] = {
        "bundles": args.bundles,
        "resources_per_bundle": len(orjson.loads(bundles[0])["entry"]),
    }
    with tempfile.TemporaryDirectory() as tmp:
        targets = {"sqlite": f"sqlite:///{tmp}/bench.db", "postgresql": _pg_schema(args.pg)}
        for name, url in targets.items():
            if url is None:
                continue
            try:
                raw = raw_baseline(url, bundles)
                ours = kangtong_ingest(url, bundles)
                fresh = [orjson.dumps(patient_bundle(i)) for i in range(args.bundles)]
                parallel = kangtong_ingest_parallel(url, fresh, args.workers)
            finally:
                if name == "postgresql":
                    _drop_schema(args.pg, url)
            results[name] = {
                "raw_resources_per_s": round(raw),
                "kangtong_resources_per_s": round(ours),
                "ratio_to_raw": round(ours / raw, 3),
                f"kangtong_{args.workers}_workers_resources_per_s": round(parallel),
                f"ratio_to_raw_{args.workers}_workers": round(parallel / raw, 3),
            }
            print(name, results[name])
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2))


def _drop_schema(admin_url: str, schema_url: str) -> None:
    from sqlalchemy import create_engine

    schema = schema_url.rsplit("%3D", 1)[1]
    engine = create_engine(admin_url)
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


def _pg_schema(url: str) -> str | None:
    from sqlalchemy import create_engine

    schema = f"kt_bench_{uuid.uuid4().hex[:8]}"
    try:
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        engine.dispose()
    except Exception:
        return None
    return f"{url}?options=-csearch_path%3D{schema}"


if __name__ == "__main__":
    main()
