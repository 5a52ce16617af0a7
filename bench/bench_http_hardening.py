"""Benchmark: what safe log records and the HTTP hardening middleware cost (ADR 0025).

    .venv/bin/python bench/bench_http_hardening.py [--rounds 7]

Writes ``bench/results/http-hardening.json``. Two ratios, each against a baseline measured in
the same run, interleaved round by round: one access-log record made by the plain record factory
and by the safe one (rendered, escaped), handled by a null handler; and one request through the
middleware stack before ADR 0025 (access log, unexpected errors) and after it (request id,
access log, security headers, unexpected errors, trusted hosts, CORS with a listed origin), over
an app that answers at once. A FHIR request costs milliseconds; these are its fixed extras.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import time
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from common import asgi_request_us, environment, write_results
from kangtong.core import log_safety
from kangtong.core.config import Settings
from kangtong.web.access_log import AccessLog
from kangtong.web.cors import SmartAppCors
from kangtong.web.errors import UnexpectedErrors
from kangtong.web.hosts import TrustedHosts, allowed_hosts
from kangtong.web.request_ids import RequestIds
from kangtong.web.security_headers import SecurityHeaders

RECORDS = 20_000
REQUESTS = 5_000
ORIGIN = "https://app.example"


async def answer(_scope: Scope, _receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"{}"})


def record_us(log: logging.Logger) -> float:
    started = time.perf_counter()
    for _ in range(RECORDS):
        log.info(
            "%s %s%s %d %.1f ms [request %s]", "GET", "/fhir/Patient/a", " ?name", 200, 1.2, "0f"
        )
    return (time.perf_counter() - started) / RECORDS * 1e6


def request_us(app: ASGIApp) -> float:
    return asgi_request_us(app, REQUESTS, [(b"origin", ORIGIN.encode())])


def stacks() -> tuple[ASGIApp, ASGIApp]:
    settings = Settings(cors_origins=[ORIGIN])
    before = AccessLog(UnexpectedErrors(answer))
    inner = TrustedHosts(SmartAppCors(answer, settings.cors_origins), allowed_hosts(settings))
    after = RequestIds(AccessLog(SecurityHeaders(UnexpectedErrors(inner), public_https=False)))
    return before, after


def measure(rounds: int) -> dict[str, Any]:
    log = logging.getLogger("kangtong.access")
    log.setLevel(logging.INFO)
    log.propagate = False
    log.addHandler(logging.NullHandler())
    plain_factory = logging.getLogRecordFactory()
    before, after = stacks()
    rows: dict[str, list[float]] = {"plain": [], "safe": [], "before": [], "after": []}
    for _ in range(rounds):
        logging.setLogRecordFactory(plain_factory)
        rows["plain"].append(record_us(log))
        log_safety.install_safe_logging()
        rows["safe"].append(record_us(log))
        logging.setLogRecordFactory(plain_factory)
        rows["before"].append(request_us(before))
        rows["after"].append(request_us(after))
    median = {name: statistics.median(values) for name, values in rows.items()}
    return {
        "record_us_plain": round(median["plain"], 2),
        "record_us_safe": round(median["safe"], 2),
        "record_ratio": round(median["safe"] / median["plain"], 2),
        "request_us_before": round(median["before"], 1),
        "request_us_after": round(median["after"], 1),
        "request_extra_us": round(median["after"] - median["before"], 1),
        "rounds": rounds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    result = measure(parser.parse_args().rounds)
    print(result, flush=True)
    write_results("http-hardening.json", {"environment": environment(), "result": result})


if __name__ == "__main__":
    main()
