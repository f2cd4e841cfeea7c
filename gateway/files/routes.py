"""The Excel ledger through the gateway: the dashboard's upload page checks a file (a dry run), then imports it.

- ``POST /files/ledger?dryRun=true|false``: the body is the .xlsx itself (``Content-Type`` the xlsx media type
  or ``application/octet-stream``; its name, percent-encoded, in ``X-File-Name``), with the same bearer token as
  /graphql. The raw body, not a multipart form: a form would need a parser of its own (python-multipart) for one
  file, while the raw body is counted by the gateway's body limit (gateway/body_limit.py, here
  LIANJIAN_UPLOAD_MAX_BYTES) like any other, and a browser sends a File as it is.
- ``GET /files/ledger-template.xlsx``: the empty template (Chinese headers and the instructions sheet).

The import is gateway/files/ledger.py's, as the caller: its role must record registrations or filings
(auth/policy.py), and a row it may not record (another street's, a command of another role) is a problem of that
row, never written. The same content imported again records nothing (its rows' idempotency keys). A dry run
answers with the report; a real run too, or, when the client accepts ``application/x-ndjson``, streams a line of
progress now and then and the report last. Every refusal is a 4xx JSON error shaped like GraphQL's, with
``extensions.code`` and, for a file refused whole, ``extensions.reason`` (gateway/files/workbook.py's codes).
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from typing import Any
from urllib.parse import quote, unquote

import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from graphql import GraphQLError

from auth import policy
from auth.principal import Principal
from gateway.body_limit import refusal
from gateway.files.ledger import ImportReport, Importer, write_template
from gateway.files.workbook import WorkbookRefused
from gateway.graphql.context import RequestContext
from gateway.graphql.errors import BAD_USER_INPUT, FORBIDDEN, INTERNAL, UNAUTHENTICATED, UNAVAILABLE, translated
from gateway.runtime import Runtime

log = logging.getLogger("lianjian.gateway")
UPLOAD_PATH = "/files/ledger"
TEMPLATE_PATH = "/files/ledger-template.xlsx"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NDJSON = "application/x-ndjson"
ACCEPTED_TYPES = (XLSX, "application/octet-stream")
NAME_MAX = 200
PROGRESS_SECONDS = 0.25  # at most about four progress lines a second
CAUGHT_UP_SECONDS = 10.0  # after a real run, the registry view is waited for this long (the page shows it next)


class Refused(Exception):
    """An upload answered with a 4xx (or 503) JSON error."""

    def __init__(self, status: int, message: str, code: str = BAD_USER_INPUT, reason: str | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.reason = status, code, reason

    def response(self) -> JSONResponse:
        return refusal(self.status, str(self), self.code, self.reason)


def mount_files(api: FastAPI, runtime: Runtime) -> None:
    settings = runtime.settings

    @api.get(TEMPLATE_PATH, include_in_schema=False)
    def ledger_template() -> Response:
        out = io.BytesIO()
        write_template(out)
        return Response(out.getvalue(), media_type=XLSX, headers={
            "Content-Disposition": f"attachment; filename=ledger-template.xlsx; filename*=UTF-8''{quote('社会组织台账模板.xlsx')}",
            "Cache-Control": "no-cache"})

    @api.post(UPLOAD_PATH, include_in_schema=False)
    async def upload_ledger(request: Request) -> Response:
        try:
            principal = await anyio.to_thread.run_sync(_caller, runtime, request)  # who, before anything else
            if not policy.may_import_ledger(principal):
                raise Refused(403, f"{principal.username} ({policy.who(principal)}) may not import a ledger: it"
                                   " records neither registrations nor filings", FORBIDDEN)
            dry_run = _flag(request.query_params.get("dryRun", "true"))
            media = request.headers.get("content-type", "").split(";")[0].strip().lower()
            if media not in ACCEPTED_TYPES:
                raise Refused(415, f"send the .xlsx itself as the body, with Content-Type {XLSX}",
                              reason="UNSUPPORTED_MEDIA_TYPE")
            upload = (_file_name(request.headers.get("x-file-name")), await request.body())
            importer = await anyio.to_thread.run_sync(_importer, runtime, upload, settings.upload_max_bytes,
                                                      principal)
            if dry_run or NDJSON not in request.headers.get("accept", ""):
                report = await anyio.to_thread.run_sync(_run, runtime, importer, dry_run, iter)
                return JSONResponse(report_json(report))
        except Refused as refused:
            return refused.response()
        return StreamingResponse(_streamed(runtime, importer), media_type=NDJSON,
                                 headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})


def _flag(value: str) -> bool:
    if value.lower() in ("true", "1", "yes"):
        return True
    if value.lower() in ("false", "0", "no"):
        return False
    raise Refused(400, "dryRun is true or false", reason="BAD_PARAMETER")


def _file_name(header: str | None) -> str:
    """The uploaded file's name as the events' reasons will name it: its last path part, within NAME_MAX."""
    name = unquote(header or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    name = "".join(ch for ch in name if ch.isprintable())[:NAME_MAX]
    return name or "ledger.xlsx"


def _caller(runtime: Runtime, request: Request) -> Principal:
    """The bearer token's user, verified as /graphql verifies it; the public may not upload."""
    context = RequestContext(runtime)
    context.request = request
    try:
        principal = context.principal
    except GraphQLError as error:
        code = (error.extensions or {}).get("code", UNAUTHENTICATED)
        raise Refused(503 if code == UNAVAILABLE else 401, error.message, code) from None
    if principal.department is None:
        raise Refused(401, "sign in to import a ledger: send Authorization: Bearer <token>", UNAUTHENTICATED)
    return principal


def _importer(runtime: Runtime, upload: tuple[str, bytes], max_bytes: int, principal: Principal) -> Importer:
    try:
        return Importer(runtime.app, upload=upload, max_bytes=max_bytes, principal=principal)
    except WorkbookRefused as refused:
        raise Refused(413 if refused.reason == "TOO_LARGE" else 422, str(refused), reason=refused.reason) from None


def _run(runtime: Runtime, importer: Importer, dry_run: bool,
         progress: Callable[[Iterable[Any]], Iterable[Any]]) -> ImportReport:
    try:
        report = importer.run(dry_run=dry_run, progress=progress)
    except Exception as error:  # noqa: BLE001 - the store's failures as a client reads them, others masked
        known = translated(error)
        if known is None:
            raise
        raise Refused(503 if known.extensions["code"] == UNAVAILABLE else 409, known.message,
                      known.extensions["code"]) from None
    if not dry_run and report.recorded:
        runtime.nudge()  # the views apply the new events; the page lists the organizations next
        runtime.wait_for("civil_affairs_registry", runtime.app.head_position(), timeout=CAUGHT_UP_SECONDS)
    return report


def _streamed(runtime: Runtime, importer: Importer) -> AsyncIterator[str]:
    """The real run in a thread of its own, which finishes even if the client goes away; its progress and
    report as lines of JSON."""
    loop = asyncio.get_running_loop()
    lines: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()

    def put(item: dict[str, Any] | None) -> None:
        loop.call_soon_threadsafe(lines.put_nowait, item)

    def progress(items: Iterable[Any]) -> Iterator[Any]:
        items = list(items)
        put({"progress": {"done": 0, "total": len(items)}})
        shown = time.monotonic()
        for done, item in enumerate(items, start=1):
            yield item
            if done == len(items) or time.monotonic() - shown >= PROGRESS_SECONDS:
                shown = time.monotonic()
                put({"progress": {"done": done, "total": len(items)}})

    def work() -> None:
        try:
            put({"report": report_json(_run(runtime, importer, False, progress))})
        except Refused as refused:
            put({"errors": [{"message": str(refused), "extensions": {"code": refused.code}}]})
        except Exception:  # noqa: BLE001 - logged, and the client told
            log.exception("ledger upload %s failed", importer.import_id)
            put({"errors": [{"message": "internal error", "extensions": {"code": INTERNAL}}]})
        finally:
            put(None)

    threading.Thread(target=work, name=f"upload-{importer.import_id}", daemon=True).start()

    async def stream() -> AsyncIterator[str]:
        yield json.dumps({"checking": {"file": importer.name, "importId": importer.import_id}},
                         ensure_ascii=False) + "\n"
        while (line := await lines.get()) is not None:
            yield json.dumps(line, ensure_ascii=False) + "\n"

    return stream()


def report_json(report: ImportReport) -> dict[str, Any]:
    rows = lambda pairs: [{"sheet": sheet, "row": row} for sheet, row in pairs]  # noqa: E731
    return {
        "importId": report.import_id, "fileName": report.file_name, "sha256": report.sha256, "rows": report.rows,
        "dryRun": report.dry_run, "rowsWithProblems": len({(p.sheet, p.row) for p in report.problems}),
        "problems": [{"sheet": p.sheet, "row": p.row, "column": p.column, "value": p.value, "why": p.why}
                     for p in report.problems],
        "recorded": rows(report.recorded), "already": rows(report.already),
    }
