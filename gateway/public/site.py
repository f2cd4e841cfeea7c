"""The public site at /public/: search, an organization's page, the credit lists, penalties and grades, in
server-rendered HTML (no script), and the open data (CSV, JSON, a JSON Feed of public events).

It reads only the public disclosure view (projections/views/public_disclosure.py) and needs no sign-in. Every
answer carries the view's position as its validator (gateway/public/guard.py); bad input is a 400 page that
says what was wrong, an unknown organization a 404.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from gateway.public.guard import Freshness, RateLimited
from gateway.public.text import LANGS, code_name, grade_name, words
from projections.spreadsheet import SpreadsheetWriter
from projections.views.base import yuan
from projections.views.public_disclosure import PUBLIC_COLUMNS

HERE = Path(__file__).resolve().parent
PAGE_SIZE = 50  # rows a page of the site
MAX_PAGE = 10_000
MAX_QUERY = 100  # characters of a search: a name is at most 100
MAX_FEED = 500  # events a page of the feed
DOWNLOADS = {  # file -> the view's table and its columns
    "organizations": ("organizations", PUBLIC_COLUMNS),
    "listings": ("listings", ("listing_id", "org_id", "list", "ground", "ground_words", "listed_on", "authority",
                              "legal_basis", "removed_on")),
    "penalties": ("penalties", ("penalty_id", "org_id", "kind", "amount", "department", "imposed_on")),
    "projects": ("projects", ("project_id", "org_id", "project_name")),
}


class BadInput(ValueError):
    """A parameter the site cannot use: answered 400 with this message."""


def _text(request: Request, name: str, limit: int) -> str:
    value = request.query_params.get(name, "").strip()
    if len(value) > limit:
        raise BadInput(f"{name}: at most {limit} characters")
    if any(ord(c) < 32 or 127 <= ord(c) < 160 or 0xD800 <= ord(c) < 0xE000 for c in value):
        raise BadInput(f"{name}: no control characters")
    return value


def _number(request: Request, name: str, default: int | None, low: int, high: int) -> int | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    if not (raw.isascii() and raw.isdigit()) or not low <= int(raw) <= high:
        raise BadInput(f"{name}: a whole number from {low} to {high}")
    return int(raw)


def _lang(request: Request) -> str:
    lang = request.query_params.get("lang", "zh")
    if lang not in LANGS:
        raise BadInput("lang: zh or en")
    return lang


def _date(request: Request, name: str) -> date | None:
    raw = request.query_params.get(name)
    if not raw:
        return None
    try:
        return date.fromisoformat(raw) if len(raw) == 10 else _bad_date(name)
    except ValueError:
        return _bad_date(name)


def _bad_date(name: str) -> date:
    raise BadInput(f"{name}: a date, YYYY-MM-DD")


def as_of(org: dict[str, Any], events: list[dict[str, Any]], at: date) -> dict[str, Any]:
    """The organization's public facts as they stood on ``at``, from its public events up to that day."""
    shown = {**org, "grade": None, "grade_valid_until": None, "ended_on": None}
    status = None
    for event in events:
        detail = json.loads(event["detail"])
        if event["kind"] in ("registered", "converted"):
            status = "registered"
        elif event["kind"] == "filed":
            status = "filed"
        elif event["kind"] in ("deregistered", "revoked", "banned", "filing_cancelled"):
            status, shown["ended_on"] = event["kind"], event["occurred_on"]
        if "grade" in detail:
            shown["grade"] = detail["grade"]
        if "name" in detail:
            shown["name"] = detail["name"]
    shown["status"] = status or org["status"]
    return shown


class PublicSite:
    def __init__(self, runtime: Any) -> None:
        self.runtime = runtime
        self.view = runtime.view("public_disclosure")
        self.fresh = Freshness(runtime)
        self.env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(default=True),
                               trim_blocks=True, lstrip_blocks=True)
        self.env.globals.update(code_name=code_name, grade_name=grade_name, yuan=yuan, loads=json.loads)

    def read(self, query: Callable[..., Any], *args: Any) -> Any:
        with self.runtime.db.transaction(commit=False) as tx:
            return query(tx, *args)

    def page(self, request: Request, template: str, variant: str = "", **values: Any) -> Response:
        """A page in the request's language, or 304 when the client's copy is of the same position."""
        lang = _lang(request)
        validators = self.fresh.validators(values.pop("position"), f"-{lang}{variant}")
        if (unchanged := self.fresh.not_modified(request, validators)) is not None:
            return unchanged
        kept = {k: v for k, v in request.query_params.items() if k in ("q", "page", "at")}
        html = self.env.get_template(template).render(
            lang=lang, w=words(lang), q=values.pop("q", ""), path=request.url.path,
            other_lang=request.url.path + "?" + urlencode(kept | {"lang": "en" if lang == "zh" else "zh"}),
            suffix="" if lang == "zh" else "lang=en", **values)
        return HTMLResponse(html, headers=validators)

    # -- pages --------------------------------------------------------------------------------------------

    def home(self, request: Request) -> Response:
        position = self.fresh.position()
        q, page = _text(request, "q", MAX_QUERY), _number(request, "page", 1, 1, MAX_PAGE)
        rows = self.read(self.view.search, q, PAGE_SIZE + 1, (page - 1) * PAGE_SIZE) if q else None
        return self.page(request, "home.html", position=position, q=q, rows=rows and rows[:PAGE_SIZE], page=page,
                         more=bool(rows and len(rows) > PAGE_SIZE))

    def organization(self, request: Request) -> Response:
        position = self.fresh.position()
        key, at = request.path_params["key"], _date(request, "at")
        if len(key) > 64:
            raise BadInput("an organization is named by its credit code or id")

        def everything(tx: Any) -> dict[str, Any] | None:
            org = self.view.organization(tx, key)
            if org is None:
                return None
            return {"org": org, **{t: self.view.of_organization(tx, t, org["org_id"])
                                   for t in ("listings", "penalties", "projects", "events")}}

        found = self.read(everything)
        if found is None:
            return self.error(request, 404, words(_lang(request))["not_found"])
        if at is not None:  # its public record as it stood that day
            day = at.isoformat()
            found["events"] = [e for e in found["events"] if e["occurred_on"] <= day]
            found["org"] = as_of(found["org"], found["events"], at)
            found["listings"] = [{**l, "removed_on": l["removed_on"] if l["removed_on"] and l["removed_on"] <= day
                                  else None} for l in found["listings"] if l["listed_on"] <= day]
            found["penalties"] = [p for p in found["penalties"] if p["imposed_on"] <= day]
        return self.page(request, "organization.html", variant=f"-{at or ''}", position=position, at=at, **found)

    def credit_list(self, request: Request) -> Response:
        which = request.path_params["which"]
        if which not in ("abnormal", "serious"):
            return self.error(request, 404, "no such list")
        position, page = self.fresh.position(), _number(request, "page", 1, 1, MAX_PAGE)
        rows = self.read(self.view.current_listings, which, PAGE_SIZE + 1, (page - 1) * PAGE_SIZE)
        return self.page(request, "list.html", position=position, which=which, rows=rows[:PAGE_SIZE], page=page,
                         more=len(rows) > PAGE_SIZE)

    def penalties(self, request: Request) -> Response:
        position, page = self.fresh.position(), _number(request, "page", 1, 1, MAX_PAGE)
        rows = self.read(self.view.all_penalties, PAGE_SIZE + 1, (page - 1) * PAGE_SIZE)
        return self.page(request, "penalties.html", position=position, rows=rows[:PAGE_SIZE], page=page,
                         more=len(rows) > PAGE_SIZE)

    def grades(self, request: Request) -> Response:
        position, page = self.fresh.position(), _number(request, "page", 1, 1, MAX_PAGE)
        rows = self.read(self.view.graded, PAGE_SIZE + 1, (page - 1) * PAGE_SIZE)
        return self.page(request, "grades.html", position=position, rows=rows[:PAGE_SIZE], page=page,
                         more=len(rows) > PAGE_SIZE)

    def data_index(self, request: Request) -> Response:
        return self.page(request, "data.html", position=self.fresh.position(), files=list(DOWNLOADS))

    def error(self, request: Request, status: int, message: str) -> Response:
        lang = request.query_params.get("lang") if request.query_params.get("lang") in LANGS else "zh"
        html = self.env.get_template("error.html").render(lang=lang, w=words(lang), q="", message=message,
                                                          status=status, suffix="" if lang == "zh" else "lang=en",
                                                          other_lang=request.url.path, path=request.url.path)
        return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})

    # -- open data ----------------------------------------------------------------------------------------

    def download(self, request: Request) -> Response:
        name, fmt = request.path_params["name"], request.path_params["fmt"]
        if name not in DOWNLOADS or fmt not in ("csv", "json"):
            return JSONResponse({"error": "no such file"}, status_code=404)
        position = self.fresh.position()
        after = _number(request, "after", None, 0, 1 << 62)
        validators = self.fresh.validators(position, f"-{after}")
        if (unchanged := self.fresh.not_modified(request, validators)) is not None:
            return unchanged
        table, columns = DOWNLOADS[name]
        chunks = self.csv_chunks(table, columns, after) if fmt == "csv" else self.json_chunks(table, columns, after,
                                                                                                position)
        media = "text/csv; charset=utf-8" if fmt == "csv" else "application/json"
        return StreamingResponse(chunks, media_type=media, headers={
            **validators, "Content-Disposition": f'attachment; filename="{name}-{position}.{fmt}"'})

    def rows(self, table: str, columns: tuple[str, ...], after: int | None) -> Iterator[list[Any]]:
        """The table's rows as published: amounts in yuan (text, exact), never a column outside ``columns``."""
        with self.runtime.db.transaction(commit=False) as tx:
            for row in self.view.table_rows(tx, table, after):
                if "amount" in columns:
                    amount = yuan(row["amount_fen"])
                    row["amount"] = None if amount is None else str(amount)
                yield [row[c] for c in columns]

    def csv_chunks(self, table: str, columns: tuple[str, ...], after: int | None) -> Iterator[bytes]:
        out = io.StringIO()
        out.write("\ufeff")  # a byte-order mark, so spreadsheets read the Chinese text as UTF-8
        writer = SpreadsheetWriter(out, lineterminator="\n")
        writer.writerow(columns)
        for n, row in enumerate(self.rows(table, columns, after)):
            writer.writerow(row)
            if n % 500 == 499:
                yield out.getvalue().encode()
                out.seek(0)
                out.truncate()
        yield out.getvalue().encode()

    def json_chunks(self, table: str, columns: tuple[str, ...], after: int | None, position: int) -> Iterator[bytes]:
        yield json.dumps({"position": position, "after": after, "columns": list(columns)},
                         ensure_ascii=False)[:-1].encode() + b', "rows": ['
        batch: list[str] = []
        separator = b""
        for row in self.rows(table, columns, after):
            batch.append(json.dumps(dict(zip(columns, row)), ensure_ascii=False))
            if len(batch) == 500:  # a chunk every 500 rows, as the CSV: one send each, not one a row
                yield separator + ",".join(batch).encode()
                batch, separator = [], b","
        yield (separator + ",".join(batch).encode() if batch else b"") + b"]}"

    def feed(self, request: Request) -> Response:
        """A JSON Feed (1.1) of public events: with no ``after``, the newest; with it, the next ones in order."""
        position = self.fresh.position()
        after, limit = _number(request, "after", None, 0, 1 << 62), _number(request, "limit", 100, 1, MAX_FEED)
        lang = _lang(request)
        validators = self.fresh.validators(position, f"-{after}-{limit}-{lang}")
        if (unchanged := self.fresh.not_modified(request, validators)) is not None:
            return unchanged
        rows = self.read(self.view.events_after, after, limit)
        w, base = words(lang), str(request.base_url).rstrip("/")
        items = [{
            "id": f"lianjian-public-event:{r['position']}",
            "url": f"{base}/public/org/{r['credit_code'] or r['org_id']}#event-{r['position']}",
            "title": f"{r['name']}：{w['ev_' + r['kind']]}", "content_text": _summary(r, lang),
            "date_published": f"{r['occurred_on']}T00:00:00+08:00",
            "_lianjian": {"position": r["position"], "kind": r["kind"], "org_id": r["org_id"],
                          "credit_code": r["credit_code"], "occurred_on": r["occurred_on"],
                          "authority": r["authority"], "legal_basis": r["legal_basis"],
                          "detail": _published_detail(r)},
        } for r in rows]
        last = max((r["position"] for r in rows), default=after)
        feed = {"version": "https://jsonfeed.org/version/1.1", "title": w["site"], "language": "zh-CN" if lang == "zh"
                else "en", "home_page_url": f"{base}/public/", "feed_url": f"{base}/public/feed.json",
                "_lianjian": {"position": position}, "items": items}
        if after is not None and len(rows) == limit:
            feed["next_url"] = f"{base}/public/feed.json?after={last}&limit={limit}"
        return JSONResponse(feed, headers=validators, media_type="application/feed+json")


def _published_detail(row: dict[str, Any]) -> dict[str, Any]:
    detail = json.loads(row["detail"])
    if "amount_fen" in detail:  # money as exact text in yuan, like the downloads
        amount = yuan(detail.pop("amount_fen"))
        detail["amount"] = None if amount is None else str(amount)
    return detail


def _summary(row: dict[str, Any], lang: str) -> str:
    w, detail = words(lang), _published_detail(row)
    parts = [w["ev_" + row["kind"]]]
    for key in ("name", "domicile", "representative"):
        if key in detail and row["kind"] == "changed":
            parts.append(f"{w['ch_' + key]} {detail[key]}")
    if "ground_words" in detail:
        parts.append(f"{code_name(lang, 'list', detail['list'])}：{detail['ground_words']}")
    if "grade" in detail:
        parts.append(grade_name(detail["grade"]))
    if "year" in detail:
        parts.append(" ".join(filter(None, [str(detail["year"]), w.get(detail.get("result", ""), "")])))
    parts.append(f"{w['authority']}：{row['authority']}")
    if row["legal_basis"]:
        parts.append(f"{w['legal_basis']}：{row['legal_basis']}")
    return "；".join(parts)


def public_site(runtime: Any) -> Starlette:
    """The site as an application of its own, mounted at /public by gateway/app.py."""
    site = PublicSite(runtime)

    def guarded(handler: Callable[[Request], Response]) -> Callable[[Request], Response]:
        def answer(request: Request) -> Response:
            try:
                return handler(request)
            except BadInput as error:
                if request.url.path.startswith(("/public/data/", "/public/feed")):
                    return JSONResponse({"error": str(error)}, status_code=400, headers={"Cache-Control": "no-store"})
                return site.error(request, 400, str(error))
        return answer

    routes = [
        Route("/", guarded(site.home)),
        Route("/org/{key}", guarded(site.organization)),
        Route("/lists/{which}", guarded(site.credit_list)),
        Route("/penalties", guarded(site.penalties)),
        Route("/grades", guarded(site.grades)),
        Route("/data/", guarded(site.data_index)),
        Route("/data/{name}.{fmt}", guarded(site.download)),
        Route("/feed.json", guarded(site.feed)),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="public-static"),
    ]

    async def not_found(request: Request, _: Exception) -> Response:
        return site.error(request, 404, "404")

    app = Starlette(routes=routes, exception_handlers={404: not_found, 405: not_found})
    return RateLimited(app, runtime.settings.public_rate_limit)  # type: ignore[return-value]
