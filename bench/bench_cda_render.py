"""Benchmark: rendering a CDA document as HTML (`documents.render.render_html`, issue 15).

Run from the repository root::

    .venv/bin/python bench/bench_cda_render.py [--renders 500] [--sizes 20000,45000]

Writes ``bench/results/cda-render.json``. For each size the lab-report sample
(tests/documents/samples/c0007-lab-report.xml) is grown by repeating its result section, then
``--renders`` renders are timed one by one (p50/p99 in ms). Two baselines are measured in the same
run, interleaved render by render, because these machines are noisy: a safe lxml parse of the same
bytes, and a plain autoescaped Jinja2 page of a table with as many rows as the document has
entries. Target (issue 15): p99 of ``GET /documents/{id}/html`` ≤ 50 ms; the route comes later,
this is the render itself.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from jinja2 import Environment
from lxml import etree

from kangtong.documents.render import render_html

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "cda-render.json"
SAMPLE = ROOT / "tests" / "documents" / "samples" / "c0007-lab-report.xml"
PLAIN_PAGE = Environment(autoescape=True).from_string(
    "<!DOCTYPE html><html lang=zh-CN><body><table>{% for r in rows %}<tr><td>{{ r[0] }}</td>"
    "<td>{{ r[1] }}</td><td>{{ r[2] }}</td></tr>{% endfor %}</table></body></html>"
)


def parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def grown_document(target_bytes: int) -> bytes:
    """The sample with its result section repeated until it is about `target_bytes` long."""
    xml = SAMPLE.read_text(encoding="utf-8")
    start, end = xml.index("<component>\n        <section>"), xml.index("</structuredBody>")
    section = xml[start:end]
    copies = max(
        1, round((target_bytes - len(xml.encode()) + len(section.encode())) / len(section.encode()))
    )
    return (xml[:start] + section * copies + xml[end:]).encode("utf-8")


def percentiles(samples_ms: list[float]) -> dict[str, float]:
    ordered = sorted(samples_ms)
    return {
        "p50_ms": round(statistics.median(ordered), 3),
        "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], 3),
        "max_ms": round(ordered[-1], 3),
    }


def timed(call: Callable[[], Any]) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def measure(size: int, renders: int) -> dict[str, Any]:
    data = grown_document(size)
    document = etree.fromstring(data, parser())
    rows = [
        (str(i), "白细胞计数", "11.2 10*9/L")
        for i in range(len(document.findall(".//{*}observation")))
    ]
    render_html(document)  # warm the template cache
    render, parse, plain, both = [], [], [], []
    for _ in range(renders):
        render.append(timed(lambda: render_html(document)))
        parse.append(timed(lambda: etree.fromstring(data, parser())))
        plain.append(timed(lambda: PLAIN_PAGE.render(rows=rows)))
        both.append(timed(lambda: render_html(etree.fromstring(data, parser()))))
    result = {
        "document_bytes": len(data),
        "entries": len(rows),
        "html_bytes": len(render_html(document).encode()),
        "render": percentiles(render),
        "parse_and_render": percentiles(both),
        "baseline_lxml_parse": percentiles(parse),
        "baseline_plain_jinja2_page": percentiles(plain),
    }
    result["ratio_render_to_parse_p50"] = round(
        result["render"]["p50_ms"] / result["baseline_lxml_parse"]["p50_ms"], 2
    )
    result["ratio_render_to_plain_page_p50"] = round(
        result["render"]["p50_ms"] / result["baseline_plain_jinja2_page"]["p50_ms"], 2
    )
    return result


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__)
    arguments.add_argument("--renders", type=int, default=500)
    arguments.add_argument("--sizes", default="20000,45000", help="document sizes in bytes")
    args = arguments.parse_args()
    results = [measure(int(size), args.renders) for size in args.sizes.split(",")]
    report = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "renders_per_size": args.renders,
        "target": "p99 of GET /documents/{id}/html <= 50 ms (issue 15)",
        "sizes": results,
    }
    RESULTS.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    for row in results:
        print(
            f"{row['document_bytes']:>6} B: render p50 {row['render']['p50_ms']} ms, "
            f"p99 {row['render']['p99_ms']} ms; parse+render p99 {row['parse_and_render']['p99_ms']} ms; "
            f"lxml parse p50 {row['baseline_lxml_parse']['p50_ms']} ms"
        )


if __name__ == "__main__":
    main()
