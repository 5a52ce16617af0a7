"""Link-on-ingest throughput with concurrent linkers on PostgreSQL (issue 12, finding 7).

A synthetic district's registrations (synth default noise) are stored as source Patients, the
model is trained on them (`MpiService.train`), and then K linker *processes* (each with its own
services, as K server workers would be) link every stored Patient through
`MpiService.link_source_record`, the Patients shuffled and dealt round-robin, so the records of
one resident often arrive at two linkers at once. Reported per K: links/s over the wall time
(all linkers started together), the same for K = 1 as the same-run baseline (the ratio), and
checks that concurrency changed nothing it must not: every Patient filed exactly once, the
number of persons and the pairwise F1 against the truth.

Run it against the code before and after a change by pointing PYTHONPATH at either checkout
(the script uses only public service calls that both keep):

    PYTHONPATH=src .venv/bin/python bench/bench_mpi_concurrency.py                 # ~3 min
    PYTHONPATH=/path/to/old/src .venv/bin/python bench/bench_mpi_concurrency.py --out before.json
"""

from __future__ import annotations

import argparse
import csv
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from multiprocessing import get_context
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import orjson
from bench.common import DEFAULT_PG, environment, postgresql_store, write_results
from sqlalchemy import create_engine, text

from kangtong.core.config import Settings
from kangtong.fhir.access import AccessContext
from kangtong.platform import build_platform
from kangtong.store.migrate import upgrade
from kangtong.synth import SynthConfig, generate_district

CTX = AccessContext.system("bench")
CITIZEN_ID = "urn:oid:2.16.156.10011.1.3"


def registrations(people: int, seed: int) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """Source Patients (as registered) and the true person of each."""
    with tempfile.TemporaryDirectory(prefix="kt-mpi-conc-") as tmp:
        generate_district(SynthConfig(people=people, seed=seed, formats=("csv",)), Path(tmp))
        with (Path(tmp) / "csv" / "source_records.csv").open(encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        with (Path(tmp) / "csv" / "truth.csv").open(encoding="utf-8") as handle:
            truth = {r["patient_id"]: r["person_id"] for r in csv.DictReader(handle)}
    return [_patient(row) for row in rows], truth


def _patient(row: dict[str, str]) -> dict[str, Any]:
    name = row.get("name") or (row["family_name"] + row["given_name"])
    identifiers = [{"system": f"urn:kangtong:bench:{row['facility']}", "value": row["mrn"]}]
    if row["id_number"]:
        identifiers.append({"system": CITIZEN_ID, "value": row["id_number"]})
    parts = ("province", "city", "district", "street", "road", "building", "unit", "room")
    return {
        "resourceType": "Patient",
        "id": row["patient_id"],
        "identifier": identifiers,
        "name": [{"use": "official", "text": name}],
        "gender": row["sex"],
        "birthDate": row["birth_date"],
        "telecom": [{"system": "phone", "value": row["phone"]}],
        "address": [{"text": "".join(row[p] for p in parts)}],
    }


def _link(url: str, patient_ids: list[str], start_at: float) -> tuple[int, float, int]:
    """One linker process: wait for the common start, link its share, report when it ended."""
    platform = build_platform(Settings(database_url=url))
    platform.mpi.models.scorer()  # load the model before the clock starts
    time.sleep(max(0.0, start_at - time.time()))
    for patient_id in patient_ids:
        stored = platform.service.read(CTX, "Patient", patient_id)
        assert stored.content is not None
        platform.mpi.link_source_record(CTX, orjson.loads(stored.content), stored.version)
    ended = time.time()
    retries = getattr(platform.mpi.writer, "retries", 0) + getattr(platform.mpi.writer, "alone", 0)
    platform.close()
    return len(patient_ids), ended, retries


def run(
    base_url: str, linkers: int, patients: list[dict[str, Any]], truth: dict[str, str]
) -> dict[str, Any]:
    with postgresql_store(base_url, None) as store:
        platform = build_platform(Settings(database_url=store.url))
        upgrade(platform.db)
        for patient in patients:
            platform.service.update(CTX, "Patient", patient["id"], patient)
        summary = platform.mpi.train(CTX)
        ids = [p["id"] for p in patients]
        random.Random(12).shuffle(ids)
        shares = [ids[k::linkers] for k in range(linkers)]
        context = get_context("spawn")
        start_at = time.time() + 8.0  # every linker has built its services by then
        waits = LockWaits(store.url)
        waits.start()
        with context.Pool(linkers) as pool:
            done = pool.starmap(_link, [(store.url, share, start_at) for share in shares])
        waits.stop()
        seconds = max(ended for _, ended, _ in done) - start_at
        report = {
            "linkers": linkers,
            "links": sum(count for count, _, _ in done),
            "seconds": round(seconds, 2),
            "links_per_s": round(sum(count for count, _, _ in done) / seconds, 1),
            "retried_writes": sum(retried for _, _, retried in done),
            **waits.summary(),
            "model_records": summary.records,
            **_check(platform, ids, truth),
        }
        platform.close()
    print(report, flush=True)
    return report


class LockWaits(threading.Thread):
    """Samples pg_stat_activity every 20 ms while the linkers run: how many of this schema's
    sessions are running a statement, and how many of those wait for an advisory lock."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.engine = create_engine(url)
        self.samples: list[tuple[int, int]] = []
        self.done = threading.Event()

    def run(self) -> None:
        query = text(
            "SELECT count(*) FILTER (WHERE state = 'active'), count(*) FILTER (WHERE "
            "wait_event_type = 'Lock' AND wait_event = 'advisory') FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        with self.engine.connect() as conn:
            while not self.done.wait(0.02):
                active, waiting = conn.execute(query).one()
                conn.rollback()
                self.samples.append((int(active), int(waiting)))

    def stop(self) -> None:
        self.done.set()
        self.join()
        self.engine.dispose()

    def summary(self) -> dict[str, Any]:
        busy = [s for s in self.samples if s[0] > 0]
        if not busy:
            return {}
        return {
            "mean_active_statements": round(sum(a for a, _ in busy) / len(busy), 2),
            "mean_waiting_for_mpi_locks": round(sum(w for _, w in busy) / len(busy), 2),
        }


def _check(platform: Any, ids: list[str], truth: dict[str, str]) -> dict[str, Any]:
    """Every Patient filed once; persons and pairwise F1 against the truth."""
    index = platform.mpi.writer.index
    with platform.db.read() as conn:
        links = {p: index.source(conn, p) for p in ids}
        persons = index.person_ids(conn, [link.person_pk for link in links.values() if link])
    person_of = {p: persons[link.person_pk] for p, link in links.items() if link}

    def pairs(counts: Counter[Any]) -> int:
        return sum(c * (c - 1) // 2 for c in counts.values())

    both = pairs(Counter((truth[p], person_of[p]) for p in person_of))
    predicted, true = pairs(Counter(person_of.values())), pairs(Counter(truth[p] for p in ids))
    precision, recall = both / max(predicted, 1), both / max(true, 1)
    return {
        "patients_filed": len(person_of),
        "patients_not_filed": len(ids) - len(person_of),
        "persons": len(set(person_of.values())),
        "precision": round(precision, 5),
        "recall": round(recall, 5),
        "f1": round(2 * precision * recall / max(precision + recall, 1e-12), 5),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, default=900, help="residents (≈ 3 records each)")
    parser.add_argument("--seed", type=int, default=31)
    parser.add_argument("--linkers", default="1,4")
    parser.add_argument("--pg", default=DEFAULT_PG)
    parser.add_argument("--out", default="mpi-concurrency.json")
    args = parser.parse_args()
    patients, truth = registrations(args.people, args.seed)
    code = subprocess.run(
        ["git", "-C", str(Path(sys.modules["kangtong"].__file__ or ".").parent), "log", "-1",
         "--format=%h %s"], capture_output=True, text=True, check=False,
    ).stdout.strip()  # fmt: skip
    runs = [run(args.pg, int(k), patients, truth) for k in args.linkers.split(",")]
    baseline = runs[0]["links_per_s"]
    for entry in runs:
        entry["ratio_to_first"] = round(entry["links_per_s"] / baseline, 2)
    write_results(
        args.out,
        {"environment": environment(), "code": code, "records": len(patients), "runs": runs},
    )


if __name__ == "__main__":
    main()
