"""Link-on-ingest decisions of the MPI service on the Chinese evaluation sets.

The batch engine (`bench_mpi.py`) groups a whole file at once; the service decides one
registration at a time as it arrives. This feeds each record of a set, in order, through
`MpiService.link_source_record` (model trained on the set first) and scores the resulting
persons against the truth (pairwise precision / recall / F1), once with the scoring shortcut
(`MpiOptions.score_at_least`, the default) and once scoring every candidate: the two partitions
must be the same.

    .venv/bin/python bench/bench_mpi_ingest_quality.py                  # 3,000 residents, ~4 min
    .venv/bin/python bench/bench_mpi_ingest_quality.py --people 500 --sets synth-hard  # smoke
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_mpi_data import evaluation_sets
from bench.bench_mpi_metrics import pairwise_scores
from bench.common import RESULTS_DIR

from kangtong.core.config import Settings
from kangtong.fhir.access import AccessContext
from kangtong.mpi.normalise import IdentityRecord
from kangtong.mpi.patients import CITIZEN_ID, SEX_EXTENSION
from kangtong.platform import build_platform
from kangtong.store.migrate import upgrade

CTX = AccessContext.system("bench")


def patient_json(record: IdentityRecord) -> dict[str, Any]:
    """The registration as a source Patient (fields as given: link-on-ingest reads, not validates)."""
    identifiers = [{"system": "urn:kangtong:bench:record", "value": record.record_id}]
    if record.id_number:
        identifiers.append({"system": CITIZEN_ID, "value": record.id_number})
    sex = {"url": SEX_EXTENSION, "valueCodeableConcept": {"coding": [{"code": record.sex}]}}
    return {
        "resourceType": "Patient",
        "id": record.record_id,
        "managingOrganization": {"reference": record.source},
        "extension": [sex],
        "identifier": identifiers,
        "name": [{"text": record.name}],
        "birthDate": record.birth_date,
        "telecom": [{"system": "phone", "value": record.phone}],
        "address": [{"text": record.address}],
    }


def link_in_turn(records: list[IdentityRecord], score_at_least: int) -> tuple[list[str], float]:
    with tempfile.TemporaryDirectory(prefix="kt-mpi-ingest-") as tmp:
        settings = Settings(database_url=f"sqlite:///{tmp}/kt.db", security_key_dir=f"{tmp}/keys")
        platform = build_platform(settings)
        upgrade(platform.db)
        try:
            mpi = platform.mpi
            mpi.options = dataclasses.replace(mpi.options, score_at_least=score_at_least)
            mpi.models.train([mpi.normaliser.normalise(r) for r in records], 0)
            started = time.perf_counter()
            persons = [mpi.link_source_record(CTX, patient_json(r), 1).person_id for r in records]
            return persons, time.perf_counter() - started
        finally:
            platform.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, default=3000, help="residents per set")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--sets", nargs="*", default=["synth-3x", "synth-hard"])
    parser.add_argument("--out", type=Path, default=RESULTS_DIR / "mpi-ingest-quality.json")
    args = parser.parse_args()
    results: dict[str, Any] = {}
    for evaluation in evaluation_sets(args.people, args.seed):
        if evaluation.name not in args.sets:
            continue
        shortcut, seconds = link_in_turn(evaluation.records, 10)
        every, every_seconds = link_in_turn(evaluation.records, 0)
        results[evaluation.name] = {
            "records": len(evaluation.records),
            "with_shortcut": {**pairwise_scores(evaluation.truth, shortcut), "seconds": seconds},
            "scoring_every_candidate": {
                **pairwise_scores(evaluation.truth, every),
                "seconds": every_seconds,
            },
            "same_partition": pairwise_scores(shortcut, every)["f1"] == 1.0,
        }
        print(evaluation.name, json.dumps(results[evaluation.name], ensure_ascii=False), flush=True)
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
