"""The FastAPI application: /graphql, /healthz, /readyz, /metrics (and the dashboard's pages)."""

from __future__ import annotations

import gc
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from cross_web import HTTPException
from starlette.requests import Request
from starlette.types import Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from auth.verified_cache import CachingVerifier
from gateway.body_limit import limit_body, refusal
from gateway.graphql.context import RequestContext
from gateway.graphql.schema import build_schema
from gateway.graphql.sockets import TokenCheckingHandler
from gateway.identity import build_verifier
from gateway.metrics import Metrics, failed_views
from gateway.operations import BoundedCheck, is_operator
from gateway.runtime import Runtime
from gateway.settings import Settings
from gateway.storage import open_application
from projections.runtime.embedded import EmbeddedProjections
from projections.runtime.runner import ViewRunner, view_lag

log = logging.getLogger("lianjian.gateway")
READY_LAG_SECONDS = 60.0
READY_TIMEOUT_SECONDS = 1.0  # /readyz answers within this, ready or not (a probe must not hang on the database)


class NestedTooDeeply(json.JSONDecodeError):
    """JSON nested past what the decoder can follow (it recurses): a bad request, not a crash."""


class GraphQLEndpoint(GraphQL):
    """Strawberry's plain ASGI endpoint (lighter than its FastAPI router), with our request context; websockets
    speak graphql-transport-ws only, each operation's token checked (gateway/graphql/sockets.py)."""

    graphql_transport_ws_handler_class = TokenCheckingHandler

    def __init__(self, runtime: Runtime, schema: Any, **options: Any) -> None:
        super().__init__(schema, subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,), **options)
        self.runtime = runtime

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        try:  # as Strawberry's, with a refusal's body in JSON rather than plain text
            response = await self.run(Request(scope, receive=receive))
        except HTTPException as error:
            response = refusal(error.status_code, error.reason)
        await response(scope, receive, send)

    def decode_json(self, data: Any) -> Any:
        # Request bodies and websocket messages alike.
        try:
            return json.loads(data)
        except RecursionError:
            raise NestedTooDeeply("nested too deeply", "", 0) from None

    def parse_json(self, data: Any) -> Any:
        # Strawberry expects an object (or a batch of objects); anything else, undecodable bytes included,
        # would crash it into a 500.
        try:
            parsed = self.decode_json(data)
        except NestedTooDeeply:
            raise HTTPException(400, "the request body is JSON nested too deeply") from None
        except ValueError:  # not JSON, or not in any Unicode encoding
            raise HTTPException(400, "the request body is not JSON") from None
        if isinstance(parsed, dict) or (isinstance(parsed, list) and all(isinstance(i, dict) for i in parsed)):
            return parsed
        raise HTTPException(400, "the request body must be a JSON object: {\"query\": ..., \"variables\": {...}}")

    async def get_context(self, request: Any, response: Any) -> RequestContext:
        context = RequestContext(self.runtime)
        context.request, context.response = request, response
        return context


def create_served_app(settings: Settings | None = None) -> FastAPI:
    """The gateway as `lianjian serve` runs it. What is made at start (modules, the schema, the routes) lives
    as long as the process: frozen out of the garbage collector's full scans, which stop every request
    and took about 90 ms a time at city scale (the p99 of a lightly loaded server)."""
    api = create_app(settings)
    gc.collect()
    gc.freeze()
    return api


def create_app(settings: Settings | None = None, *, verifier: Any = None) -> FastAPI:
    """The gateway on the configured store. Embedded projections start with the app and stop with it."""
    settings = settings or Settings()
    application = open_application(settings)
    projections = (EmbeddedProjections(application, tick_interval=settings.tick_interval_seconds)
                   if settings.embedded_projections else None)
    runtime = Runtime(settings=settings, app=application,
                      verifier=CachingVerifier(verifier) if verifier is not None else build_verifier(settings),
                      dev_mode=settings.dev_mode, projections=projections)
    if projections is None:
        ViewRunner(application, list(runtime.views.values()))  # the views' tables exist before the first query

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if projections is not None:
            projections.start()
        try:
            yield
        finally:
            if projections is not None:
                projections.stop()
            application.close()

    api = FastAPI(title="联监 Lianjian", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    api.state.runtime = runtime
    schema = build_schema(production=not settings.dev_mode, operation_threads=settings.threads_for_operations(),
                          group_commit=runtime.groups is not None)  # SQLite's datastore groups commits
    graphql = GraphQLEndpoint(runtime, schema,
                              graphql_ide="graphiql" if settings.dev_mode else None, allow_queries_via_get=False)
    api.add_route("/graphql", graphql, methods=["GET", "POST"])
    api.router.add_websocket_route("/graphql", graphql)
    from gateway.web.routes import mount_dashboard; mount_dashboard(api, runtime)  # the dashboard: /, /static
    from gateway.public import public_site; api.mount("/public", public_site(runtime))  # the public site, no sign-in
    from gateway.files.routes import UPLOAD_PATH, mount_files; mount_files(api, runtime)  # the ledger's upload
    api.add_middleware(limit_body, max_bytes=settings.max_request_bytes,  # an upload has its own, larger cap
                       larger={UPLOAD_PATH: (settings.upload_max_bytes, "LIANJIAN_UPLOAD_MAX_BYTES")})
    metrics = Metrics(runtime, schema)
    api.add_middleware(metrics.middleware)  # outside the body limit: refusals are counted

    @api.get("/healthz")
    async def healthz() -> dict[str, str]:  # on the loop: nothing to wait for, and no thread's hand-over (0.3 ms)
        return {"status": "ok"}

    ready = BoundedCheck(lambda: (view_lag(application, list(runtime.views.values()), runtime.db), failed_views(runtime)),
                         READY_TIMEOUT_SECONDS)
    token = settings.operations_token.get_secret_value() if settings.operations_token else None

    def operator(request: Request) -> bool:
        """Dev mode shows everyone the details; production only a caller with the operations token."""
        return settings.dev_mode or is_operator(request.headers.get("authorization"), token)

    @api.get("/readyz")
    async def readyz(request: Request) -> JSONResponse:
        try:
            checked = await ready()  # within a second, however long the database takes to answer
        except TimeoutError:
            body: dict[str, Any] = {"status": "unavailable",
                                    "reason": f"the event store did not answer within {READY_TIMEOUT_SECONDS:g} s"}
        except Exception as error:  # noqa: BLE001 - not ready is the answer, with the reason
            body = {"status": "unavailable", "reason": f"event store: {error}"}
        else:
            lags, failed = checked
            behind = {lag.view: {"events_behind": lag.events_behind, "seconds_behind": round(lag.seconds_behind, 3)}
                      for lag in lags}
            stale = [v for v, lag in behind.items() if lag["seconds_behind"] > READY_LAG_SECONDS]
            # failed: views stopped at an event they cannot apply, named with the event and the error
            body = {"status": "degraded" if stale or failed else "ready", "head": lags[0].head if lags else 0,
                    "views": behind, "failed": failed}
        status = 200 if body["status"] == "ready" else 503
        # A load balancer needs the status alone; the head, the lags and the reason are for operators.
        return JSONResponse(body if operator(request) else {"status": body["status"]}, status_code=status)

    @api.get("/metrics")
    def prometheus(request: Request) -> Response:
        if not operator(request):
            # Off without a token (production); with one, only for its bearer.
            return Response(status_code=404) if token is None else Response(
                status_code=401, headers={"WWW-Authenticate": 'Bearer realm="lianjian-operations"'})
        return Response(metrics.render(), media_type="text/plain; version=0.0.4")

    return api
