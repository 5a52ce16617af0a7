"""Benchmark: citizen ID validation (GB 11643) on the ingest path, against a trivial baseline.

    .venv/bin/python bench/bench_ids.py [--count 200000] [--repeat 7] [--invalid-share 0.3]

Writes ``bench/results/ids.json``. The IDs are a seeded mix of valid 18-character IDs and
invalid ones (mistyped digit, impossible date, unknown province, future birth date, wrong
length, stray letter). Every rate is IDs per second in one Python process, best of ``--repeat``
passes over the same list; ``ratio_to_baseline`` divides by the rate of ``len(v) == 18 and
v.isdigit()`` over the same list in the same run, because these machines are noisy. The target
(issue 5) is ≥ 500,000 IDs/s for the fast path; the explaining path and the credit-code check
are measured for information.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kangtong.core.ids import citizen_id_check, citizen_id_validator, credit_code_check
from kangtong.core.ids.gb11643 import check_character, make_citizen_id
from kangtong.core.ids.gb32100 import make_credit_code

RESULTS = Path(__file__).parent / "results" / "ids.json"
TARGET_PER_S = 500_000
TODAY = dt.date(2025, 6, 30)
AREAS = ["110101", "310104", "440106", "520102", "520103", "510104", "650102", "330106"]


def valid_id(rng: random.Random) -> str:
    birth = dt.date(1930, 1, 1) + dt.timedelta(days=rng.randrange(34_000))
    return make_citizen_id(rng.choice(AREAS), birth, rng.randrange(1000))


def invalid_id(rng: random.Random) -> str:
    """A valid ID broken in one of the ways seen on ingest."""
    value = valid_id(rng)
    position = rng.randrange(17)
    breakers: list[Callable[[], str]] = [
        lambda: value[:position] + str((int(value[position]) + 1) % 10) + value[position + 1 :],
        lambda: _with_check(value[:10] + "0230" + value[14:17]),  # 30 February
        lambda: _with_check("99" + value[2:17]),  # no such province
        lambda: _with_check(value[:6] + "20300101" + value[14:17]),  # born after TODAY
        lambda: value[:-1],
        lambda: value[:position] + "O" + value[position + 1 :],
    ]
    return rng.choice(breakers)()


def _with_check(body: str) -> str:
    """Keep the check character right, so that only the broken part is wrong."""
    return body + check_character(body)


def baseline(value: str) -> bool:
    return len(value) == 18 and value.isdigit()


def best_rate(action: Callable[[str], object], values: list[str], repeat: int) -> float:
    """Values per second of ``action``, best of ``repeat`` passes."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for value in values:
            action(value)
        best = min(best, time.perf_counter() - start)
    return len(values) / best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--count", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--invalid-share", type=float, default=0.3)
    parser.add_argument("--seed", type=int, default=5)
    arguments = parser.parse_args()
    rng = random.Random(arguments.seed)
    ids = [
        invalid_id(rng) if rng.random() < arguments.invalid_share else valid_id(rng)
        for _ in range(arguments.count)
    ]
    is_valid = citizen_id_validator(TODAY)
    explained = [citizen_id_check(value, today=TODAY).valid for value in ids]
    disagreements = sum(
        1 for value, ok in zip(ids, explained, strict=True) if is_valid(value) != ok
    )
    assert disagreements == 0, f"fast path disagrees with the explaining path on {disagreements}"
    result = measure(ids, is_valid, arguments.repeat)
    result.update(
        ids=len(ids),
        valid_share=round(sum(explained) / len(ids), 3),
        fast_and_explaining_paths_agree=True,
    )
    write(result)


def measure(ids: list[str], is_valid: Callable[[str], bool], repeat: int) -> dict[str, Any]:
    base = best_rate(baseline, ids, repeat)
    fast = best_rate(is_valid, ids, repeat)
    sample = ids[: max(1, len(ids) // 10)]  # the slow paths on a tenth of the list
    explain = best_rate(lambda value: citizen_id_check(value, today=TODAY), sample, 3)
    codes = [make_credit_code("12", AREAS[i % 8], f"{i:08d}") for i in range(len(sample))]
    credit = best_rate(credit_code_check, codes, 3)
    return {
        "baseline_len_isdigit_per_s": round(base),
        "fast_path_per_s": round(fast),
        "ratio_to_baseline": round(fast / base, 3),
        "target_per_s": TARGET_PER_S,
        "meets_target": fast >= TARGET_PER_S,
        "explaining_path_per_s": round(explain),
        "explaining_ratio_to_baseline": round(explain / base, 4),
        "credit_code_check_per_s": round(credit),
    }


def write(result: dict[str, Any]) -> None:
    document = {
        "benchmark": "citizen-id-validation",
        "python": platform.python_version(),
        "machine": platform.machine(),
        "load_average_1min": round(os.getloadavg()[0], 2),
        **result,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(
        f"fast path {result['fast_path_per_s']:>11,} IDs/s  "
        f"(target {TARGET_PER_S:,}: {'met' if result['meets_target'] else 'NOT met'})\n"
        f"baseline  {result['baseline_len_isdigit_per_s']:>11,} IDs/s  "
        f"ratio {result['ratio_to_baseline']}\n"
        f"explain   {result['explaining_path_per_s']:>11,} IDs/s\n"
        f"USCC      {result['credit_code_check_per_s']:>11,} codes/s (explaining check)\n"
        f"wrote {RESULTS}"
    )


if __name__ == "__main__":
    main()
