"""Benchmark: what an operator waits for, and what the issue-14 middleware costs per request.

    .venv/bin/python bench/bench_operator.py [--runs 7] [--requests 5000]

Writes ``bench/results/operator.json``. Each figure against a baseline measured in the same run,
interleaved round by round (these machines are noisy):

- start-up: `kangtong --help`, `kangtong config show` and `kangtong id check` as subprocesses,
  against `python -c pass` (the interpreter alone) and against importing what every command
  loaded before the CLI became lazy (the platform and the web app, ADR 0030);
- per request: the FHIR format check (415/406) and the request metrics (ADR 0029) in front of
  an app that answers at once, against that app alone: a routed request (the router names its
  route in the scope, as for every request a route answers) and the dearer path, a request the
  router never saw (its route template is found by matching the app's routes), as for a 401
  refused before routing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from common import asgi_request_us, environment, write_results
from kangtong.core.config import Settings
from kangtong.platform import build_platform
from kangtong.store.database import open_database
from kangtong.store.migrate import upgrade
from kangtong.web.app import create_app
from kangtong.web.fhir_formats import FhirFormats
from kangtong.web.metrics import AppMetrics, RequestMetrics

KANGTONG = str(Path(sys.executable).with_name("kangtong"))
COMMANDS: dict[str, list[str]] = {
    "python_alone": [sys.executable, "-c", "pass"],
    "eager_imports": [sys.executable, "-c", "import kangtong.platform, kangtong.web.app"],
    "kangtong_help": [KANGTONG, "--help"],
    "config_show": [KANGTONG, "config", "show"],
    "id_check": [KANGTONG, "id", "check", "110101199003070011"],
}


def seconds(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, env=os.environ | {"NO_COLOR": "1"})
    return time.perf_counter() - started


async def answer(_scope: Scope, _receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"{}"})


def request_us(app: ASGIApp, requests: int) -> float:
    return asgi_request_us(app, requests, [(b"accept", b"application/fhir+json")])


def measure(runs: int, requests: int, folder: Path) -> dict[str, Any]:
    url = f"sqlite:///{folder / 'bench.db'}"
    db = open_database(url)
    upgrade(db)
    db.dispose()
    platform = build_platform(Settings(database_url=url, security_key_dir=str(folder / "keys")))
    try:
        metrics: AppMetrics = create_app(platform).state.metrics  # knows the app's routes
        read_route = next(
            r for r in metrics.routes if getattr(r, "path", "") == "/fhir/{res_type}/{res_id}"
        )

        async def routed(scope: Scope, receive: Receive, send: Send) -> None:
            scope["route"] = read_route  # what the router records before the endpoint runs
            await answer(scope, receive, send)

        stacks: dict[str, ASGIApp] = {
            "app_alone": answer,
            "formats": FhirFormats(answer),
            "formats_and_metrics_routed": RequestMetrics(FhirFormats(routed), metrics),
            "formats_and_metrics_unrouted": RequestMetrics(FhirFormats(answer), metrics),
        }
        rows: dict[str, list[float]] = {name: [] for name in [*COMMANDS, *stacks]}
        for _ in range(runs):
            for name, command in COMMANDS.items():
                rows[name].append(seconds(command))
            for name, app in stacks.items():
                rows[name].append(request_us(app, requests))
    finally:
        platform.close()
    median = {name: statistics.median(values) for name, values in rows.items()}
    base = median["python_alone"]
    return {
        "start_seconds": {name: round(median[name], 3) for name in COMMANDS},
        "start_over_python_alone_seconds": {
            name: round(median[name] - base, 3) for name in COMMANDS if name != "python_alone"
        },
        "request_us": {name: round(median[name], 1) for name in stacks},
        "request_extra_us": {
            name: round(median[name] - median["app_alone"], 1)
            for name in stacks
            if name != "app_alone"
        },
        "runs": runs,
        "requests_per_run": requests,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--requests", type=int, default=5000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        result = measure(args.runs, args.requests, Path(folder))
    print(result, flush=True)
    write_results("operator.json", {"environment": environment(), "result": result})


if __name__ == "__main__":
    main()
