"""`ValueSet/$expand` with a text filter over a ≈30,000-code ICD-10 (issue 5). Target: p99 ≤ 20 ms.

The national ICD-10 list is not available offline, so an ICD-10-shaped code system is generated
deterministically: categories A00–Z99 with subcategories .0–.9 (the GB/T 14396 shape), Chinese
displays composed from qualifiers, body sites and conditions, plus the shipped demo codes
(原发性高血压, 2型糖尿病 …) so the filters hit real names. It is stored through the resource
service (validate → store → index), `kangtong serve` runs in a subprocess, and this process
times `GET /fhir/ValueSet/$expand?url=…&filter=…&count=20` with a mix of hanzi, full-pinyin and
initials filters, each interleaved with a read by id of a small ValueSet (the same-run baseline).

Writes bench/results/expand.json.

    python bench/bench_expand.py --database both
    python bench/bench_expand.py --concepts 5000 --requests 300 --database sqlite   # smoke run
"""

from __future__ import annotations

import argparse
import itertools
import random
import time
from typing import Any

import httpx

from common import (
    DEFAULT_PG,
    bench_headers,
    databases,
    environment,
    open_platform,
    open_store,
    ratio,
    running_server,
    summarise,
    write_results,
)
from kangtong.fhir.access import AccessContext
from kangtong.platform import Platform
from kangtong.terminology.concepts import Concept, code_system_resource
from kangtong.terminology.importers.kinds import KINDS
from kangtong.terminology.parameters import OperationInput
from kangtong.terminology.shipped import install_shipped, shipped_code_systems
from kangtong.terminology.urls import ICD10_CN, value_set_url

QUALIFIERS = ("急性", "慢性", "原发性", "继发性", "先天性", "复发性", "亚急性", "重度", "轻度", "")
SITES = (
    *("肺", "心", "肝", "肾", "胃", "脑", "皮肤", "骨", "眼", "耳", "鼻", "咽", "喉", "食管"),
    *("结肠", "直肠", "胆囊", "胰腺", "膀胱", "前列腺", "子宫", "卵巢", "乳房", "甲状腺"),
    *("脊髓", "关节", "肌肉", "血管", "淋巴结", "支气管", "十二指肠", "阑尾", "牙", "口腔"),
)
CONDITIONS = (
    *("炎", "结石", "恶性肿瘤", "良性肿瘤", "损伤", "感染", "出血", "梗死", "功能不全", "畸形"),
    *("囊肿", "溃疡", "狭窄", "积液", "纤维化", "萎缩", "增生", "脓肿", "结核", "病"),
)
SUFFIXES = ("", "伴有并发症", "不伴有并发症", "伴有出血", "未特指", "其他特指的")
FILTERS = (
    *("高血压", "糖尿病", "肺炎", "心力衰竭", "结石", "恶性肿瘤", "慢性", "肾"),
    *("gxy", "tnb", "fy", "xlsj", "exzl", "mx", "gxb", "jx"),
    *("gaoxueya", "tangniaobing", "feiyan", "xinli", "jieshi", "manxing", "shen", "I10", "E11"),
)


def icd10_shaped(size: int, seed: int = 14396) -> list[Concept]:
    """≈`size` concepts in the ICD-10 shape, deterministic for a given seed."""
    rng = random.Random(seed)
    demo = next(s for s in shipped_code_systems() if s.url == ICD10_CN)
    concepts = {c.code: c for c in demo.concepts}
    letters = [chr(c) for c in range(ord("A"), ord("Z") + 1) if chr(c) != "U"]
    categories = [f"{letter}{n:02d}" for letter, n in itertools.product(letters, range(100))]
    for category in categories:
        if len(concepts) >= size:
            break
        name = _display(rng)
        concepts.setdefault(category, Concept(category, name))
        for sub in range(10):
            code = f"{category}.{sub}"
            if code in concepts or rng.random() > 0.7:
                continue
            suffix = rng.choice(SUFFIXES)
            concepts[code] = Concept(code, f"{name}{suffix}" if suffix else _display(rng))
            for extension in range(rng.randint(0, 1)):  # 国家临床版 extension codes: A00.0x001
                extended = f"{code}x00{extension + 1}"
                concepts[extended] = Concept(extended, f"{_display(rng)}{rng.choice(SUFFIXES)}")
    infer = KINDS["icd10"].infer_parent
    known = set(concepts)
    return [
        Concept(c.code, c.display, parents=(p,) if (p := infer(c.code, known)) else ())
        for c in list(concepts.values())[:size]
    ]


def _display(rng: random.Random) -> str:
    return f"{rng.choice(QUALIFIERS)}{rng.choice(SITES)}{rng.choice(CONDITIONS)}"


def store_code_system(platform: Platform, size: int) -> dict[str, Any]:
    ctx = AccessContext.system("bench")
    install_shipped(platform.terminology, ctx)
    demo = next(s for s in shipped_code_systems() if s.url == ICD10_CN)
    demo.concepts = icd10_shaped(size)
    demo.content = "complete"
    start = time.perf_counter()
    platform.terminology.save(ctx, code_system_resource(demo))
    stored = time.perf_counter() - start
    start = time.perf_counter()
    first = platform.terminology.expand(ctx, OperationInput.from_query(_query("gxy")))
    return {
        "concepts": len(demo.concepts),
        "store_seconds": round(stored, 2),
        "first_expand_seconds_in_process": round(time.perf_counter() - start, 2),
        "first_expand_total": first["expansion"]["total"],
    }


def _query(text: str) -> list[tuple[str, str]]:
    return [("url", value_set_url("icd10-cn")), ("filter", text), ("count", "20")]


def over_http(base: str, requests: int, max_seconds: float) -> dict[str, Any]:
    expand_samples: list[float] = []
    read_samples: list[float] = []
    totals: dict[str, int] = {}
    with httpx.Client(base_url=base, timeout=30, headers=bench_headers()) as client:
        first = time.perf_counter()
        client.get("/fhir/ValueSet/$expand", params=_query("gxy")).raise_for_status()
        build = time.perf_counter() - first  # the server builds its index on the first call
        for text in FILTERS:  # warm up
            body = client.get("/fhir/ValueSet/$expand", params=_query(text)).json()
            totals[text] = body["expansion"]["total"]
        deadline = time.perf_counter() + max_seconds
        for i in range(requests):
            start = time.perf_counter()
            client.get("/fhir/ValueSet/$expand", params=_query(FILTERS[i % len(FILTERS)]))
            middle = time.perf_counter()
            client.get("/fhir/ValueSet/icd10-cn").raise_for_status()
            end = time.perf_counter()
            expand_samples.append(middle - start)
            read_samples.append(end - middle)
            if end > deadline:
                break
    expand, read = summarise(expand_samples), summarise(read_samples)
    return {
        "first_call_seconds": round(build, 2),
        "expand": expand,
        "baseline_read_by_id": read,
        "ratio_p50_to_read": ratio(expand, read),
        "ratio_p99_to_read": ratio(expand, read, "p99_ms"),
        "matches_per_filter": totals,
    }


def bench_database(name: str, args: argparse.Namespace) -> dict[str, Any]:
    with open_store(name, pg_url=args.pg) as store:
        platform = open_platform(store.url)
        try:
            result: dict[str, Any] = {"code_system": store_code_system(platform, args.concepts)}
        finally:
            platform.close()
        print(name, result["code_system"], flush=True)
        with running_server(store.url) as base:
            result["http"] = over_http(base, args.requests, args.max_seconds)
        print(name, {k: v for k, v in result["http"].items() if k != "matches_per_filter"})
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--concepts", type=int, default=30_000)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--pg", default=DEFAULT_PG)
    parser.add_argument("--max-seconds", type=float, default=120.0)
    parser.add_argument("--out", default="expand.json")
    args = parser.parse_args()
    started = time.perf_counter()
    results: dict[str, Any] = {
        "benchmark": "ValueSet/$expand with a text filter over an ICD-10-shaped code system",
        "target": "p99 <= 20 ms",
        "data": "generated deterministically (the national ICD-10 list is not available offline)",
        "filters": list(FILTERS),
        "client": "separate process, httpx.Client (persistent connection), 127.0.0.1",
        "server": "kangtong serve (uvicorn, one process)",
        "environment": environment(),
    }
    for name in databases(args.database):
        results[name] = bench_database(name, args)
    results["seconds"] = round(time.perf_counter() - started, 1)
    write_results(args.out, results)


if __name__ == "__main__":
    main()
