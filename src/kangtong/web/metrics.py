"""Prometheus metrics of one app (`GET /metrics`, ADR 0029).

Each app has its own `CollectorRegistry`, never the process-wide default, so that every app a
test builds starts from zero and two apps never share a series. What is measured:

- per request, by method, route *template* (`/fhir/{res_type}/{res_id}`, never the path a
  client sent, so no id or query value becomes a label) and status: a counter and a latency
  histogram (`RequestMetrics`, an ASGI middleware);
- the resources this process wrote, by type and interaction (`fhir.write_counts`);
- read from the database at scrape time: each outbox subscriber's lag and the age of its
  oldest undelivered event, and the master index's queues (`platform.backlogs`).

Counters of this process carry a `pid` label: with `kangtong serve --workers N` each scrape is
answered by one worker, and the label keeps each worker's counters a series of their own.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterable, Sequence

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Receive, Scope, Send

from kangtong.core.log_safety import exception_summary
from kangtong.platform import Platform
from kangtong.platform.backlogs import read_backlogs
from kangtong.store.outbox import LAG_WINDOW
from kangtong.web.response_status import SeenStatus, call_seeing_status

log = logging.getLogger(__name__)

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "unmatched"  # the route of a request no route takes (a 404)


def method_label(method: str) -> str:
    """The method, or `other`: a client may send any token as a method."""
    return method if method in METHODS else "other"


def route_template(scope: Scope, routes: Sequence[BaseRoute] = ()) -> str:
    """The path template of the route that took (or would take) the request.

    The router records the route it chose in the scope; a request answered before routing
    (401 from the authentication, 400 from the host check) is matched against `routes`, the
    app's routes in the order the app tries them.
    """
    route = scope.get("route")
    if route is None:
        route = next((r for r in routes if r.matches(scope)[0] is not Match.NONE), None)
    path = getattr(route, "path", None)
    return path if isinstance(path, str) and path else UNMATCHED


class AppMetrics:
    """The registry of one app, its request metrics and its collector of platform figures."""

    def __init__(self, platform: Platform) -> None:
        self.registry = CollectorRegistry()
        self.pid = str(os.getpid())
        self.requests = Counter(
            "kangtong_http_requests",
            "HTTP requests answered, by method, route template and status",
            ["method", "route", "status", "pid"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "kangtong_http_request_duration_seconds",
            "Time from a request's arrival to the end of its response, by route template",
            ["method", "route", "pid"],
            registry=self.registry,
        )
        self.registry.register(PlatformCollector(platform, self.pid))
        self.routes: Sequence[BaseRoute] = ()

    def know_routes(self, routes: Sequence[BaseRoute]) -> None:
        """The app's routes, to name the route of a request refused before routing."""
        self.routes = tuple(routes)

    def observe(self, scope: Scope, status: int, seconds: float) -> None:
        method = method_label(str(scope.get("method", "")))
        route = route_template(scope, self.routes)
        self.requests.labels(method, route, str(status), self.pid).inc()
        self.latency.labels(method, route, self.pid).observe(seconds)

    def exposition(self, accept: str | None) -> tuple[bytes, str]:
        """Every metric, and its content type: the Prometheus text format, or OpenMetrics or
        text 1.0.0 when the scraper's Accept header asks for it."""
        encode, content_type = choose_encoder(accept or "")
        return encode(self.registry), content_type


class RequestMetrics:
    """Counts and times every HTTP request, refused ones included."""

    def __init__(self, app: ASGIApp, metrics: AppMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        seen = SeenStatus()
        try:
            await call_seeing_status(self.app, scope, receive, send, seen)
        finally:
            self.metrics.observe(scope, seen.status, time.perf_counter() - started)


class PlatformCollector(Collector):
    """Figures read when scraped: this process's writes, and backlogs from the database."""

    def __init__(self, platform: Platform, pid: str) -> None:
        self.platform = platform
        self.pid = pid

    def describe(self) -> Iterable[Metric]:
        return []  # nothing is read when the collector is registered

    def collect(self) -> Iterable[Metric]:
        writes = CounterMetricFamily(
            "kangtong_resource_writes",
            "Resources written by this process, by type and interaction (created, updated, "
            "deleted), counted at commit",
            labels=["resource_type", "interaction", "pid"],
        )
        for (res_type, interaction), count in sorted(
            self.platform.service.write_counts.snapshot().items()
        ):
            writes.add_metric([res_type, interaction, self.pid], count)
        yield writes
        yield from self._backlogs()

    def _backlogs(self) -> Iterable[Metric]:
        up = GaugeMetricFamily(
            "kangtong_database_up", "1 if the database answered this scrape's queries, else 0"
        )
        try:
            backlogs = read_backlogs(self.platform)
        except Exception as exc:  # a scrape reports the failure; it never fails itself
            log.warning("metrics: the database did not answer: %s", exception_summary(exc))
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        lag = GaugeMetricFamily(
            "kangtong_outbox_lag_events",
            f"Outbox events written after the subscriber's cursor (counted up to {LAG_WINDOW})",
            labels=["subscriber"],
        )
        age = GaugeMetricFamily(
            "kangtong_outbox_oldest_pending_age_seconds",
            "Age of the oldest event the subscriber has not consumed (0 when none)",
            labels=["subscriber"],
        )
        for subscriber in backlogs.subscribers:
            lag.add_metric([subscriber.subscriber], subscriber.events)
            age.add_metric([subscriber.subscriber], subscriber.oldest_age_seconds)
        queues = GaugeMetricFamily(
            "kangtong_mpi_queue_length",
            "Master patient index work waiting: review = open review tasks (待审核), "
            "link = Patient changes not yet linked",
            labels=["queue"],
        )
        for queue, length in sorted(backlogs.mpi_queues.items()):
            queues.add_metric([queue], length)
        yield from (lag, age, queues)
