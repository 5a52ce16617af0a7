"""Single-record match latency of the MPI service with 1,000,000 master persons indexed.

Builds `--persons` golden records deterministically and bulk-loads them straight into the MPI's
blocking index (store/mpi_index, not through FHIR), trains the model on a synthetic district,
then times, interleaved with a same-run baseline (a read by id of a stored Person):
- `match`: `MpiService.match` in-process (Patient JSON in: normalise, one indexed query, score);
- `ingest`: `MpiService.link_source_record` (match + link or new Person, written through FHIR);
- `http`: `POST /fhir/Patient/$match` through the ASGI app (httpx TestClient, in-process),
  and `GET /healthz` alone (the HTTP stack's own floor: no token, no database).
Half of the queries are noisy registrations of indexed persons, half are new people.

    .venv/bin/python bench/bench_mpi_latency.py                       # 1,000,000 persons, SQLite
    .venv/bin/python bench/bench_mpi_latency.py --persons 20000 --queries 200   # smoke
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_mpi_data import synth_set
from bench.common import RESULTS_DIR, databases, open_store, summarise

from kangtong.core.config import Settings
from kangtong.fhir.access import AccessContext
from kangtong.mpi.features import block_keys, encode_features
from kangtong.mpi.normalise import (
    IdentityRecord,
    PersonRecord,
    normalise_citizen_id,
    normalise_phone,
    parse_address,
)
from kangtong.platform import Platform, build_platform
from kangtong.security.tokens import TokenClaims
from kangtong.store.migrate import upgrade
from kangtong.synth.config import NoiseRates
from kangtong.web.app import create_app

CTX = AccessContext.system("bench")
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红梅建国志文辉斌宇浩凯鹏飞鑫波宁欣怡婷雪琳晨阳"
DISTRICTS = ("520102", "520103", "520111", "520112", "520113", "520115")
DISTRICT_NAMES = ("南明区", "云岩区", "花溪区", "乌当区", "白云区", "观山湖区")
ROADS = tuple(f"{a}{b}路" for a in "中华延安北京遵义宝山瑞金" for b in "东西南北一二")


def check_char(first17: str) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return "10X98765432"[sum(int(c) * w for c, w in zip(first17, weights, strict=True)) % 11]


def raw_person(i: int, seed: int) -> IdentityRecord:
    """The i-th indexed person's registration, a pure function of (i, seed)."""
    rng = random.Random(i * 1_000_003 + seed)
    born = dt.date(1930, 1, 1) + dt.timedelta(days=rng.randrange(34_000))
    sex = rng.choice("12")
    district = rng.randrange(len(DISTRICTS))
    body = f"{DISTRICTS[district]}{born:%Y%m%d}{rng.randrange(1000):03d}"[:17]
    sequence_sex = str((int(body[16]) // 2) * 2 + (1 if sex == "1" else 0))
    body = body[:16] + sequence_sex
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
    address = (
        f"贵阳市{DISTRICT_NAMES[district]}{rng.choice(ROADS)}{rng.randrange(1, 300)}号"
        f"{rng.randrange(1, 40)}栋{rng.randrange(1, 6)}单元{rng.randrange(1, 30)}0{rng.randrange(1, 5)}室"
    )
    return IdentityRecord(
        f"bench-{i}",
        "bench",
        rng.choice(SURNAMES) + given,
        sex,
        born.isoformat(),
        body + check_char(body) if rng.random() < 0.9 else "",
        f"1{rng.choice('3589')}{rng.randrange(10**9):09d}",
        address,
    )


class FastNormaliser:
    """The service's normaliser with addresses cached (the bench's pool repeats them)."""

    def __init__(self, platform: Platform) -> None:
        self.names = platform.mpi.normaliser.names
        self.addresses: dict[str, Any] = {}

    def normalise(self, raw: IdentityRecord) -> PersonRecord:
        citizen_id = normalise_citizen_id(raw.id_number)
        born = dt.date.fromisoformat(raw.birth_date)
        if raw.address not in self.addresses:
            self.addresses[raw.address] = parse_address(raw.address)
        return PersonRecord(
            raw.record_id, raw.source, self.names.normalise(raw.name), raw.sex,
            (born,), citizen_id, normalise_phone(raw.phone), self.addresses[raw.address],
        )  # fmt: skip


def load_index(platform: Platform, persons: int, seed: int, batch: int = 20_000) -> float:
    """Bulk-load `persons` golden records into the blocking index; returns seconds taken."""
    started = time.perf_counter()
    normaliser = FastNormaliser(platform)
    rules = platform.mpi.schema.blocking_rules
    index = platform.mpi.writer.index
    for start in range(0, persons, batch):
        rows = []
        for i in range(start, min(persons, start + batch)):
            record = normaliser.normalise(raw_person(i, seed))
            rows.append(
                (i + 1, f"bench-person-{i}", encode_features(record), block_keys(record, rules))
            )
        with platform.db.write() as conn:
            index.bulk_add_persons(conn, rows, 0)
        if start % 100_000 == 0:
            print(
                f"  {start + len(rows):,} persons indexed, {time.perf_counter() - started:.0f} s",
                flush=True,
            )
    with platform.db.write() as conn:
        conn.execute(text("ANALYZE"))
    return time.perf_counter() - started


def noisy(raw: IdentityRecord, rng: random.Random) -> IdentityRecord:
    """Another desk's registration of the same person: ID or phone or address may be missing."""
    return IdentityRecord(
        f"q-{raw.record_id}-{rng.randrange(10**6)}", "another desk",
        raw.name if rng.random() < 0.8 else raw.name[0] + raw.name[1:][::-1],
        raw.sex, raw.birth_date,
        raw.id_number if rng.random() < 0.5 else "",
        raw.phone if rng.random() < 0.6 else "",
        raw.address if rng.random() < 0.5 else "",
    )  # fmt: skip


def patient_json(raw: IdentityRecord) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Patient",
        "id": raw.record_id,
        "identifier": [{"system": "urn:oid:2.16.156.10011.1.11.99", "value": raw.record_id}],
        "name": [{"text": raw.name}],
        "gender": {"1": "male", "2": "female"}[raw.sex],
        "birthDate": raw.birth_date,
        "telecom": [{"system": "phone", "value": raw.phone}] if raw.phone else [],
        "address": [{"text": raw.address}] if raw.address else [],
    }
    if raw.id_number:
        resource["identifier"].append(
            {"system": "urn:oid:2.16.156.10011.1.3", "value": raw.id_number}
        )
    return {k: v for k, v in resource.items() if v != []}


def queries(persons: int, count: int, seed: int) -> list[dict[str, Any]]:
    """Half noisy registrations of indexed persons, half new residents (indexes past the end)."""
    rng = random.Random(seed + 2)
    found = []
    for q in range(count):
        if q % 2 == 0:
            found.append(patient_json(noisy(raw_person(rng.randrange(persons), seed), rng)))
        else:
            raw = raw_person(persons + 10 * q + 1, seed)
            found.append(patient_json(dataclasses.replace(raw, record_id=f"new-{q}")))
    return found


def system_token(platform: Platform) -> str:
    """The platform's own bearer token (system role), as the API tests use."""
    claims = TokenClaims(
        subject="bench", client_id="bench", scopes=("system/*.cruds",), roles=("system",)
    )
    return platform.security.tokens.issue(claims).token


def answered(response: Any) -> bool:
    """True for a 200; the first other answer is printed (a failing request is no timing)."""
    if response.status_code != 200 and not getattr(answered, "shown", False):
        answered.shown = True  # type: ignore[attr-defined]
        print(f"$match answered {response.status_code}: {response.text[:300]}", flush=True)
    return bool(response.status_code == 200)


def match_parameters(patient: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Parameters", "parameter": [{"name": "resource", "resource": patient}]}


def interleaved(
    call: Any, baseline: Any, items: list[Any], max_seconds: float
) -> tuple[list[float], list[float], int]:
    """Time `call(item)` and the baseline alternately (same noise for both)."""
    samples, base, hits = [], [], 0
    deadline = time.perf_counter() + max_seconds
    for item in items:
        start = time.perf_counter()
        result = call(item)
        middle = time.perf_counter()
        baseline()
        end = time.perf_counter()
        samples.append(middle - start)
        base.append(end - middle)
        hits += bool(result)
        if end > deadline:
            break
    return samples, base, hits


def measure(platform: Platform, args: argparse.Namespace) -> dict[str, Any]:
    train_set = synth_set("train", args.train_people, args.seed, NoiseRates())
    normaliser = platform.mpi.normaliser
    started = time.perf_counter()
    summary = platform.mpi.models.train([normaliser.normalise(r) for r in train_set.records], 0)
    training_s = time.perf_counter() - started
    print(f"model trained on {summary.records:,} synthetic registrations in {training_s:.1f} s")
    load_s = load_index(platform, args.persons, args.seed)
    print(f"{args.persons:,} persons indexed in {load_s:.0f} s")
    anchor = platform.mpi.link_source_record(
        CTX, patient_json(raw_person(args.persons + 7, args.seed + 1)), 1
    )
    read = lambda: platform.service.read(CTX, "Person", anchor.person_id)  # noqa: E731
    work = queries(args.persons, args.queries, args.seed)
    for item in work[:20]:  # warm caches (pinyin readings, prepared statements)
        platform.mpi.match(CTX, item)
    result: dict[str, Any] = {
        "persons": args.persons,
        "index_load_s": round(load_s, 1),
        "training_s": round(training_s, 1),
    }
    match_s, base_s, hits = interleaved(
        lambda p: platform.mpi.match(CTX, p), read, work, args.max_seconds
    )
    result["match"] = {**summarise(match_s), "with_candidates": hits}
    result["match_baseline_read"] = summarise(base_s)
    ingest_items = [dict(p, id=f"ingest-{i}") for i, p in enumerate(work[: args.ingests])]
    ingest_s, base2_s, _ = interleaved(
        lambda p: platform.mpi.link_source_record(CTX, p, 1), read, ingest_items, args.max_seconds
    )
    result["ingest"] = summarise(ingest_s)
    result["ingest_baseline_read"] = summarise(base2_s)
    with TestClient(create_app(platform), base_url="http://127.0.0.1") as client:
        platform.events.stop()
        client.headers["content-type"] = "application/fhir+json"
        client.headers["authorization"] = f"Bearer {system_token(platform)}"
        http_s, base3_s, ok = interleaved(
            lambda p: answered(client.post("/fhir/Patient/$match", json=match_parameters(p))),
            lambda: client.get(f"/fhir/Person/{anchor.person_id}"),
            work[: args.http_queries], args.max_seconds,
        )  # fmt: skip
        # The HTTP stack alone: an open route that touches no database (no token checked).
        floor_s, _, _ = interleaved(
            lambda _: client.get("/healthz"), lambda: None, work[: args.http_queries], 60.0
        )
    result["http_match"] = {**summarise(http_s), "errors": len(http_s) - ok}
    result["http_baseline_read"] = summarise(base3_s)
    result["http_floor_healthz"] = summarise(floor_s)
    for name, base in (
        ("match", "match_baseline_read"),
        ("ingest", "ingest_baseline_read"),
        ("http_match", "http_baseline_read"),
    ):
        result[f"{name}_ratio_p50_to_read"] = round(
            result[name]["p50_ms"] / result[base]["p50_ms"], 2
        )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=2_000)
    parser.add_argument("--ingests", type=int, default=500)
    parser.add_argument("--http-queries", type=int, default=1_000)
    parser.add_argument("--train-people", type=int, default=3_000)
    parser.add_argument("--max-seconds", type=float, default=300.0)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="sqlite")
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR / "mpi-latency.json")
    args = parser.parse_args()
    results: dict[str, Any] = {"target": "p99 ≤ 20 ms at 1,000,000 master persons", "runs": {}}
    for name in databases(args.database):
        with open_store(name, pg_url=args.pg) as store:
            # Keys of its own: a long load must not see another process rotate var/keys.
            keys = tempfile.mkdtemp(prefix="kt-bench-keys-")
            platform = build_platform(Settings(database_url=store.url, security_key_dir=keys))
            upgrade(platform.db)
            try:
                results["runs"][name] = measure(platform, args)
            finally:
                platform.close()
        print(json.dumps(results["runs"][name], indent=2, ensure_ascii=False))
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
