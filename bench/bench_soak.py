"""Soak (issue 12): mixed reads, searches, writes and bundles from many clients against several
server processes on PostgreSQL, then proof that nothing acknowledged was lost or doubled.

Two phases against one database, each with `--clients` client processes (one connection each):
- baseline: `kangtong serve` with one process, for `--baseline-seconds`;
- soak: `kangtong serve --workers N`, for `--seconds` (default 600).
Both report throughput, p50/p99 per operation and errors (a transport error, a 5xx, or an
answer no correct server gives for that request). After the soak every acknowledged write is
checked through the API — each create present exactly once, each bundle whole, each update at
or past its acknowledged version, each racing conditional create stored once — and the outbox
must be fully delivered to every subscriber (the master index links every Patient).

    python bench/bench_soak.py                              # 10 minutes, 8 clients, 2 workers
    python bench/bench_soak.py --seconds 60 --baseline-seconds 20    # smoke run
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import httpx

from common import (
    DEFAULT_PG,
    bench_headers,
    environment,
    open_platform,
    open_store,
    outbox_backlog,
    running_server,
    summarise,
    wait_for_outbox,
    write_results,
)

SEED_PATIENTS = 200
POOL_TAGS = 40  # conditional creates race on these across clients
BUNDLE_OBSERVATIONS = 9
MIX = (  # (operation, weight)
    ("read", 30),
    ("search", 25),
    ("create", 15),
    ("update", 12),
    ("conditional-create", 8),
    ("bundle", 10),
)
# What a correct server may answer, per operation (anything else is an error).
EXPECTED = {
    "read": {200},
    "search": {200},
    "create": {201},
    "update": {200, 201},  # 201: a PUT that creates (the client's first update)
    "conditional-create": {200, 201},
    "bundle": {200},
}
TAG = "urn:kangtong:soak"


@dataclass
class ClientReport:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: Counter[str] = field(default_factory=Counter)
    error_samples: list[str] = field(default_factory=list)
    created: list[str] = field(default_factory=list)  # tags, one Patient each
    bundles: list[str] = field(default_factory=list)  # tags, 1 Patient + 9 Observations each
    updated: dict[str, int] = field(default_factory=dict)  # id → highest acknowledged version
    pool_hits: set[str] = field(default_factory=set)


def patient(tag: str, **extra: Any) -> dict[str, Any]:
    return {
        "resourceType": "Patient",
        "identifier": [{"system": TAG, "value": tag}],
        "name": [{"family": "张", "given": ["伟"]}],
        "gender": random.choice(["male", "female"]),
        "birthDate": f"19{random.randint(40, 99)}-0{random.randint(1, 9)}-1{random.randint(0, 9)}",
        **extra,
    }


def bundle(tag: str) -> dict[str, Any]:
    subject = f"urn:uuid:{uuid.uuid4()}"
    entries = [
        {
            "fullUrl": subject,
            "resource": patient(tag),
            "request": {"method": "POST", "url": "Patient"},
        }
    ]
    for n in range(BUNDLE_OBSERVATIONS):
        observation = {
            "resourceType": "Observation",
            "status": "final",
            "identifier": [{"system": TAG, "value": tag}],
            "code": {"coding": [{"system": "http://loinc.org", "code": "2345-7"}]},
            "subject": {"reference": subject},
            "effectiveDateTime": f"2026-0{1 + n % 9}-15",
            "valueQuantity": {
                "value": 4 + n / 10,
                "unit": "mmol/L",
                "system": "http://unitsofmeasure.org",
                "code": "mmol/L",
            },
        }
        entries.append(
            {
                "fullUrl": f"urn:uuid:{uuid.uuid4()}",
                "resource": observation,
                "request": {"method": "POST", "url": "Observation"},
            }
        )
    return {"resourceType": "Bundle", "type": "transaction", "entry": entries}  # fmt: skip


class Client:
    def __init__(self, base: str, seed: int, patient_ids: list[str]) -> None:
        self.base = f"{base}/fhir"  # POST to the base itself (a trailing slash redirects)
        self.http = httpx.Client(base_url=self.base, headers=bench_headers(), timeout=120)
        self.http.headers["Content-Type"] = "application/fhir+json"
        self.random = random.Random(seed)
        self.patients = list(patient_ids)
        self.own: dict[str, dict[str, Any]] = {}  # ids this client created, with their body
        self.report = ClientReport()

    def step(self) -> None:
        operation = self.random.choices([m[0] for m in MIX], [m[1] for m in MIX])[0]
        started = time.perf_counter()
        try:
            answer = getattr(self, operation.replace("-", "_"))()
        except httpx.TransportError as exc:
            self._error(operation, f"transport: {type(exc).__name__}")
            return
        self.report.latencies[operation].append(time.perf_counter() - started)
        if answer.status_code not in EXPECTED[operation]:
            self._error(operation, f"{answer.status_code} {answer.text[:200]}")
            return
        self._acknowledged(operation, answer)

    def _error(self, operation: str, what: str) -> None:
        self.report.errors[operation] += 1
        if len(self.report.error_samples) < 20:
            self.report.error_samples.append(f"{operation}: {what}")

    def read(self) -> httpx.Response:
        return self.http.get(f"/Patient/{self.random.choice(self.patients)}")

    def search(self) -> httpx.Response:
        target = self.random.choice(self.patients)
        choice = self.random.random()
        if choice < 0.5:
            return self.http.get(
                "/Observation", params={"subject": f"Patient/{target}", "_count": "20"}
            )
        if choice < 0.8:
            return self.http.get(
                "/Patient", params={"family": "张", "birthdate": "ge1970", "_count": "10"}
            )
        glucose = {"code": "http://loinc.org|2345-7", "value-quantity": "gt4.5", "_count": "10"}
        return self.http.get("/Observation", params=glucose)

    def create(self) -> httpx.Response:
        self._pending = uuid.uuid4().hex
        self._body = patient(self._pending)
        return self.http.post("/Patient", json=self._body)

    def update(self) -> httpx.Response:
        if not self.own:
            return self.create_as_update()
        res_id = self.random.choice(list(self.own))
        body = {**self.own[res_id], "id": res_id, "active": self.random.random() < 0.5}
        self._updated = res_id
        return self.http.put(f"/Patient/{res_id}", json=body)

    def create_as_update(self) -> httpx.Response:
        res_id = f"soak-{uuid.uuid4().hex[:16]}"
        self._pending = res_id
        self._updated = res_id
        self.own[res_id] = patient(res_id)
        return self.http.put(f"/Patient/{res_id}", json={**self.own[res_id], "id": res_id})

    def conditional_create(self) -> httpx.Response:
        tag = f"pool-{self.random.randrange(POOL_TAGS)}"
        self._pool = tag
        return self.http.post(
            "/Patient", json=patient(tag), headers={"If-None-Exist": f"identifier={TAG}|{tag}"}
        )

    def bundle(self) -> httpx.Response:
        self._pending = uuid.uuid4().hex
        return self.http.post(self.base, json=bundle(self._pending))

    def _acknowledged(self, operation: str, answer: httpx.Response) -> None:
        if operation == "create":
            self.report.created.append(self._pending)
            res_id = answer.json()["id"]
            self.own[res_id] = self._body
            self.patients.append(res_id)
        elif operation == "update":
            version = int(answer.json()["meta"]["versionId"])
            known = self.report.updated.get(self._updated, 0)
            self.report.updated[self._updated] = max(known, version)
        elif operation == "conditional-create":
            self.report.pool_hits.add(self._pool)
        elif operation == "bundle":
            self.report.bundles.append(self._pending)


def run_client(base: str, seed: int, patient_ids: list[str], seconds: float) -> ClientReport:
    client = Client(base, seed, patient_ids)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        client.step()
    client.http.close()
    report = client.report
    report.latencies = dict(report.latencies)  # picklable
    return report


def phase(
    base: str, clients: int, seconds: float, patient_ids: list[str], seed: int
) -> tuple[dict[str, Any], list[ClientReport]]:
    spawn = multiprocessing.get_context("spawn")
    with spawn.Pool(clients) as pool:
        jobs = [
            pool.apply_async(run_client, (base, seed + i, patient_ids, seconds))
            for i in range(clients)
        ]
        reports = [job.get(timeout=seconds + 600) for job in jobs]
    latencies: dict[str, list[float]] = defaultdict(list)
    errors: Counter[str] = Counter()
    for report in reports:
        for operation, samples in report.latencies.items():
            latencies[operation] += samples
        errors.update(report.errors)
    done = sum(len(s) for s in latencies.values())
    summary = {
        "seconds": seconds,
        "clients": clients,
        "requests": done,
        "requests_per_s": round(done / seconds, 1),
        "errors": dict(errors),
        "error_total": sum(errors.values()),
        "error_samples": [s for r in reports for s in r.error_samples][:20],
        "operations": {
            op: {"count": len(s), **summarise(s)} for op, s in sorted(latencies.items())
        },
    }
    return summary, reports


def tagged_counts(base: str, res_type: str, tags: list[str]) -> Counter[str]:
    """How many `res_type` resources carry each tag (searched 100 tags at a time)."""
    found: Counter[str] = Counter()
    with httpx.Client(base_url=f"{base}/fhir", headers=bench_headers(), timeout=120) as http:
        for start in range(0, len(tags), 100):
            chunk = tags[start : start + 100]
            values = ",".join(f"{TAG}|{t}" for t in chunk)
            url: str | None = f"/{res_type}?identifier={values}&_count=1000&_elements=identifier"
            while url:
                page = http.get(url)
                page.raise_for_status()
                data = page.json()
                for entry in data.get("entry", []):
                    for identifier in entry["resource"].get("identifier", []):
                        if identifier.get("system") == TAG:
                            found[identifier["value"]] += 1
                url = next(
                    (link["url"] for link in data.get("link", []) if link["relation"] == "next"),
                    None,
                )
    return found


def verify(base: str, reports: list[ClientReport]) -> dict[str, Any]:
    created = [t for r in reports for t in r.created]
    bundles = [t for r in reports for t in r.bundles]
    pool = sorted({t for r in reports for t in r.pool_hits})
    patients = tagged_counts(base, "Patient", created + bundles + pool)
    observations = tagged_counts(base, "Observation", bundles)
    updated: dict[str, int] = {}
    for report in reports:
        for res_id, version in report.updated.items():
            updated[res_id] = max(updated.get(res_id, 0), version)
    behind = 0
    with httpx.Client(base_url=f"{base}/fhir", headers=bench_headers(), timeout=60) as http:
        for res_id, version in updated.items():
            current = http.get(f"/Patient/{res_id}").json()
            behind += int(current["meta"]["versionId"]) < version
    return {
        "creates_acknowledged": len(created),
        "creates_not_exactly_once": sum(patients[t] != 1 for t in created),
        "bundles_acknowledged": len(bundles),
        "bundles_not_whole": sum(
            patients[t] != 1 or observations[t] != BUNDLE_OBSERVATIONS for t in bundles
        ),
        "updated_resources": len(updated),
        "updates_behind_acknowledged_version": behind,
        "conditional_pool_tags": len(pool),
        "conditional_pool_not_exactly_once": sum(patients[t] != 1 for t in pool),
    }


def seed_patients(url: str) -> list[str]:
    platform = open_platform(url)
    try:
        from kangtong.fhir.access import AccessContext

        ctx = AccessContext.system("bench-soak")
        ids = []
        for n in range(SEED_PATIENTS):
            outcome = platform.bundles.process(ctx, bundle(f"seed-{n}"))
            ids.append(outcome["entry"][0]["response"]["location"].split("/")[1])
        return ids
    finally:
        platform.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=600)
    parser.add_argument("--baseline-seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--pg", default=DEFAULT_PG)
    parser.add_argument("--out", default="soak.json")
    args = parser.parse_args()
    results: dict[str, Any] = {"environment": environment(), "settings": vars(args)}
    with open_store("postgresql", pg_url=args.pg) as store:
        patient_ids = seed_patients(store.url)
        with running_server(store.url, workers=1) as base:
            results["baseline_one_process"], baseline_reports = phase(
                base, args.clients, args.baseline_seconds, patient_ids, 1000
            )
            print(
                f"baseline: {results['baseline_one_process']['requests_per_s']} req/s", flush=True
            )
        with running_server(store.url, workers=args.workers) as base:
            results["soak"], reports = phase(base, args.clients, args.seconds, patient_ids, 2000)
            print(
                f"soak: {results['soak']['requests_per_s']} req/s, errors {results['soak']['error_total']}",
                flush=True,
            )
            results["outbox_drain_seconds"] = wait_for_outbox(store.url, max_seconds=900)
            results["outbox_backlog_after_drain"] = outbox_backlog(store.url)
            results["verification"] = verify(base, baseline_reports + reports)
        soak, baseline = results["soak"], results["baseline_one_process"]
        results["throughput_ratio_to_one_process"] = round(
            soak["requests_per_s"] / baseline["requests_per_s"], 2
        )
    write_results(args.out, results)
    print(results["verification"], flush=True)


if __name__ == "__main__":
    main()
