"""Prometheus metrics: requests by route and outcome, their latency, GraphQL operations in their threads, and
the views' lag and failures at scrape time."""

from __future__ import annotations

import gc
import time
from collections.abc import Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.runtime import Runtime
from projections.runtime import failures
from projections.runtime.runner import view_lag


ROUTES = ("/graphql", "/healthz", "/readyz", "/metrics")


def failed_views(runtime: Runtime) -> list[dict[str, Any]]:
    """The views stopped at an event they cannot apply (the others go on), as recorded by whichever process
    applies them: each with the event's position, id and type, and the error."""
    return [f.as_dict() for f in failures.current(runtime.db, [v.tracking_name for v in runtime.views.values()])]


class LagCollector:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def collect(self) -> Iterator[GaugeMetricFamily]:
        events = GaugeMetricFamily("lianjian_view_events_behind", "Events not yet applied to a view", labels=["view"])
        seconds = GaugeMetricFamily("lianjian_view_seconds_behind", "Age of the oldest event a view has not applied",
                                    labels=["view"])
        try:
            for lag in view_lag(self.runtime.app, list(self.runtime.views.values()), self.runtime.db):
                events.add_metric([lag.view], lag.events_behind)
                seconds.add_metric([lag.view], lag.seconds_behind)
        except Exception:  # noqa: BLE001 - a scrape reports what it can; /readyz says what is wrong
            pass
        yield events
        yield seconds
        failed = GaugeMetricFamily("lianjian_view_failed", "1 when a view stopped at an event it cannot apply",
                                   labels=["view"])
        failed_at = GaugeMetricFamily("lianjian_view_failed_position",
                                      "Position of the event a failed view stopped at (0: not failed)", labels=["view"])
        try:
            stopped = {f["view"]: f for f in failed_views(self.runtime)}
            for name in self.runtime.views:
                failed.add_metric([name], 1 if name in stopped else 0)
                failed_at.add_metric([name], stopped[name]["position"] if name in stopped else 0)
        except Exception:  # noqa: BLE001 - as above
            pass
        yield failed
        yield failed_at


class OperationsCollector:
    """GraphQL operations in their threads (gateway.graphql.schema): when operations wait for a thread, the
    threads are what a request waits for, not the database."""

    def __init__(self, schema: Any) -> None:
        self.schema = schema

    def collect(self) -> Iterator[GaugeMetricFamily]:
        running, waiting = self.schema.operations()
        yield GaugeMetricFamily("lianjian_graphql_operation_threads",
                                "Threads GraphQL operations run in (0: on the event loop)",
                                value=self.schema.operation_threads)
        yield GaugeMetricFamily("lianjian_graphql_operations_running", "GraphQL operations in a thread now",
                                value=running)
        yield GaugeMetricFamily("lianjian_graphql_operations_waiting", "GraphQL operations waiting for a thread",
                                value=waiting)


class GroupCommitCollector:
    """SQLite's group commits (gateway.group_commit): writes a commit = how much of an fsync each write paid."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def collect(self) -> Iterator[CounterMetricFamily]:
        groups = self.runtime.groups
        if groups is None:
            return
        yield CounterMetricFamily("lianjian_group_commits", "Group commits of the event store (SQLite)",
                                  value=groups.groups)
        yield CounterMetricFamily("lianjian_group_commit_writes", "Writes committed in groups (SQLite)",
                                  value=groups.grouped_writes)


class GcPauses:
    """Pauses of Python's cyclic garbage collector, which stops the whole process: they are part of every
    request's tail. One gc callback per process, however many apps it makes (tests make many)."""

    BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0)

    def __init__(self) -> None:
        self.counts: dict[str, list[int]] = {}
        self.sums: dict[str, float] = {}
        self._started = 0.0
        self._watching = False

    def watching(self) -> GcPauses:
        if not self._watching:
            gc.callbacks.append(self._callback)
            self._watching = True
        return self

    def _callback(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
            return
        pause = time.perf_counter() - self._started
        generation = str(info.get("generation"))
        counts = self.counts.setdefault(generation, [0] * (len(self.BUCKETS) + 1))
        counts[next((i for i, bound in enumerate(self.BUCKETS) if pause <= bound), len(self.BUCKETS))] += 1
        self.sums[generation] = self.sums.get(generation, 0.0) + pause

    def collect(self) -> Iterator[HistogramMetricFamily]:
        family = HistogramMetricFamily("lianjian_gc_pause_seconds", "Pauses of Python's garbage collector",
                                       labels=["generation"])
        for generation, counts in sorted(self.counts.items()):
            cumulative, buckets = 0, []
            for bound, count in zip((*map(str, self.BUCKETS), "+Inf"), counts, strict=True):
                cumulative += count
                buckets.append((bound, cumulative))
            family.add_metric([generation], buckets, sum_value=self.sums[generation])
        yield family


GC_PAUSES = GcPauses()


class Metrics:
    def __init__(self, runtime: Runtime, schema: Any) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("lianjian_http_requests", "HTTP requests", ["route", "status"], registry=self.registry)
        self.latency = Histogram("lianjian_http_request_seconds", "HTTP request latency", ["route"],
                                 registry=self.registry)
        self.registry.register(LagCollector(runtime))
        self.registry.register(GC_PAUSES.watching())
        self.registry.register(OperationsCollector(schema))
        self.registry.register(GroupCommitCollector(runtime))

    def middleware(self, app: ASGIApp) -> ASGIApp:
        """A plain ASGI middleware (no per-request task or body streaming, unlike BaseHTTPMiddleware)."""

        async def measured(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            started = time.perf_counter()
            path = scope.get("path", "")
            route = path if path in ROUTES else "other"
            status = [500]

            async def sending(message: Message) -> None:
                if message["type"] == "http.response.start":
                    status[0] = message["status"]
                await send(message)

            try:
                await app(scope, receive, sending)
            finally:
                self.requests.labels(route, str(status[0])).inc()
                self.latency.labels(route).observe(time.perf_counter() - started)

        return measured

    def render(self) -> bytes:
        return generate_latest(self.registry)
