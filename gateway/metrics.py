"""Prometheus metrics: requests by route and outcome, their latency, and the views' lag at scrape time."""

from __future__ import annotations

import time
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.runtime import Runtime
from projections.runner import ViewRunner


ROUTES = ("/graphql", "/healthz", "/readyz", "/metrics")


class LagCollector:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def collect(self) -> Iterator[GaugeMetricFamily]:
        events = GaugeMetricFamily("lianjian_view_events_behind", "Events not yet applied to a view", labels=["view"])
        seconds = GaugeMetricFamily("lianjian_view_seconds_behind", "Age of the oldest event a view has not applied",
                                    labels=["view"])
        try:
            for lag in ViewRunner(self.runtime.app, list(self.runtime.views.values())).lag():
                events.add_metric([lag.view], lag.events_behind)
                seconds.add_metric([lag.view], lag.seconds_behind)
        except Exception:  # noqa: BLE001 - a scrape reports what it can; /readyz says what is wrong
            pass
        yield events
        yield seconds


class Metrics:
    def __init__(self, runtime: Runtime) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("lianjian_http_requests", "HTTP requests", ["route", "status"], registry=self.registry)
        self.latency = Histogram("lianjian_http_request_seconds", "HTTP request latency", ["route"],
                                 registry=self.registry)
        self.registry.register(LagCollector(runtime))

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
