"""The `lianjian` command line. Each command only translates: read arguments, call the service, print."""

from __future__ import annotations

import functools
import time
from collections import Counter
from dataclasses import replace
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import typer
from eventsourcing.persistence import PersistenceError
from pydantic import ValidationError

from domain.application import RecordedEvent, Supervision
from domain.catalogue import render_catalogue
from domain.clock import SHANGHAI
from domain.errors import DomainError
from domain.people import Person
from gateway.settings import Settings
from gateway.storage import open_application
from projections.runtime.runner import BATCH_SIZE, ViewFailed

app = typer.Typer(
    name="lianjian",
    help="联监 Lianjian: joint supervision of social organizations on one immutable event stream.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

F = TypeVar("F", bound=Callable[..., Any])

DOCS_EVENTS = Path("docs/events.md")


class CliError(Exception):
    """A problem the user can fix, reported in one line."""


def friendly_errors(command: F) -> F:
    """Bad input and unreachable stores end in a one-line message and exit code 2, never a traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except ValidationError as error:
            message = "configuration: " + "; ".join(_setting_problem(e) for e in error.errors())
        except (DomainError, CliError, ViewFailed) as error:
            message = str(error)
        except PersistenceError as error:
            message = f"the event store cannot be used: {error}"
        except (OSError, ValueError) as error:
            message = str(error)
        typer.echo(f"lianjian: {message}", err=True)
        raise typer.Exit(2)

    return wrapper  # type: ignore[return-value]


def _setting_problem(error: Any) -> str:
    """One problem of the configuration, named by the environment variable to mend."""
    problem = str(error["msg"]).removeprefix("Value error, ")
    variable = Settings.model_config["env_prefix"] + "_".join(map(str, error["loc"])).upper()
    return problem if not error["loc"] or variable in problem else f"{variable}: {problem}"


def _open() -> Supervision:
    return open_application(Settings())


@app.command()
@friendly_errors
def demo(
    serve: bool = typer.Option(True, "--serve/--no-serve", help="After loading, run the server (default) or stop."),
) -> None:
    """Load the demo data of 上清寺街道 and 化龙桥街道 into the store (once), then show the overview."""
    from gateway.demo import DemoAlreadyLoaded, load_demo

    settings = Settings()
    application = open_application(settings)
    started = time.perf_counter()
    try:
        summary = load_demo(application)
    except DemoAlreadyLoaded:
        typer.echo("The demo data is already loaded; nothing was added.")
    else:
        seconds = time.perf_counter() - started
        typer.echo(f"Loaded the demo: {summary.events} events in {seconds:.1f} s into {_where(settings)}.")
    _catch_up_and_seal(application)  # the store is complete without a server: views current, chain sealed
    typer.echo("")
    _print_overview(application)
    application.close()
    if serve:
        typer.echo("")
        typer.echo(f"Serving on http://{settings.host}:{settings.port}/ in dev mode (Ctrl-C stops it).")
        typer.echo(f"  GraphiQL: http://{settings.host}:{settings.port}/graphql   a token: lianjian token sqs-li")
        _serve(settings.model_copy(update={"dev_mode": True}))


def _catch_up_and_seal(application: Supervision) -> None:
    """What a server does on starting, done here: every view caught up, the rules applied, the chain sealed."""
    from projections.audit.sealer import SealingWorker
    from projections.views.catalog import all_views

    worker = SealingWorker(application, all_views(), with_rules=True)
    try:
        worker.run_until_idle()
    finally:
        worker.close()


def _where(settings: Settings) -> str:
    if settings.database_url:
        return "PostgreSQL"
    return str(settings.data_dir.resolve())


def _print_overview(application: Supervision) -> None:
    organizations = [application.organization(org_id) for org_id in application.organization_ids()]
    by_street: dict[str, Counter[str]] = {}
    for org in organizations:
        by_street.setdefault(org.street, Counter())[org.status.value] += 1
    typer.echo(f"{'street':<14}{'organizations':>14}  by status")
    for street, counts in sorted(by_street.items()):
        detail = ", ".join(f"{status} {n}" for status, n in sorted(counts.items()))
        typer.echo(f"{street:<14}{sum(counts.values()):>14}  {detail}")
    listed = [org.name for org in organizations if org.on_abnormal_list or org.on_serious_list]
    typer.echo(f"On a credit list now: {', '.join(listed) if listed else 'none'}")


@app.command()
@friendly_errors
def organizations(
    street: str | None = typer.Option(None, help="Only this street, e.g. shangqingsi."),
) -> None:
    """List organizations: credit code, kind, status, street and name."""
    application = _open()
    shown = 0
    for org_id in application.organization_ids():
        org = application.organization(org_id)
        if street and org.street != street:
            continue
        typer.echo(f"{org.credit_code or '-':<19}{org.kind.value:<24}{org.status.value:<18}{org.street:<14}{org.name}")
        shown += 1
    if street and not shown:
        raise CliError(f"no organizations in street {street!r}")


@app.command()
@friendly_errors
def events(
    organization: str = typer.Argument(..., help="The organization's id, credit code or exact name."),
    show_personal_data: bool = typer.Option(
        False, "--show-personal-data", help="Show ID numbers and phone numbers unmasked."
    ),
) -> None:
    """Print one organization's history: who, when, what and why, oldest first."""
    application = _open()
    org = application.find_organization(organization)
    if show_personal_data:
        _record_read(application, str(org.id), "events")
    typer.echo(f"{org.name}  ({org.id})")
    for recorded in application.history(org.id):
        _print_event(recorded, show_personal_data)


def _record_read(application: Supervision, org_id: str, what: str) -> None:
    """--show-personal-data is a read of personal data: recorded (the OS user, via "cli") before it is shown."""
    from projections.runtime.db import ViewDatabase
    from projections.audit.read_audit import VIA_CLI, cli_reader, record_reads

    record_reads(ViewDatabase(application), cli_reader(), [org_id], what, via=VIA_CLI)


def _print_event(recorded: RecordedEvent, show_personal_data: bool) -> None:
    shown_at = recorded.recorded_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    ctx = recorded.ctx
    effective = ctx.occurred_on.isoformat() if ctx else "-"
    typer.echo(f"\n{effective}  {recorded.type}  (recorded {shown_at} Asia/Shanghai, #{recorded.position})")
    if ctx is not None:
        basis = f"; basis: {ctx.legal_basis}" if ctx.legal_basis else ""
        typer.echo(f"  by {ctx.actor.username} ({ctx.actor.department}, {ctx.actor.role}); why: {ctx.reason}{basis}")
    details = ", ".join(
        f"{key}={_shown(value, show_personal_data)}" for key, value in recorded.data.items() if value is not None
    )
    if details:
        typer.echo(f"  {details}")


def _shown(value: Any, show_personal_data: bool) -> str:
    if isinstance(value, Person):
        if show_personal_data:
            return f"{value.name} (ID {value.id_number or '-'}, tel {value.phone or '-'})"
        return f"{value.name} (personal data masked)"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_shown(v, show_personal_data)}" for k, v in value.items()) + "}"
    return str(value)


DOCS_SCHEMA = Path("docs/schema.graphql")


@app.command()
@friendly_errors
def docs(
    check: bool = typer.Option(False, "--check", help="Only check that the generated documents are current."),
    path: Path = typer.Option(DOCS_EVENTS, help="Where the event catalogue is written."),
    schema_path: Path = typer.Option(DOCS_SCHEMA, "--schema-path", help="Where the GraphQL SDL is written."),
) -> None:
    """Write the event catalogue (docs/events.md) and the GraphQL schema (docs/schema.graphql) from the code."""
    from gateway.graphql.schema import sdl

    for target, text in ((path, render_catalogue()), (schema_path, sdl())):
        if check:
            if not target.exists() or target.read_text(encoding="utf-8") != text:
                raise CliError(f"{target} is out of date: run `lianjian docs`")
            typer.echo(f"{target} is current.")
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        typer.echo(f"Wrote {target}.")


def _serve(settings: Settings, workers: int = 1) -> None:
    import os

    import uvicorn

    if workers > 1:
        # Worker processes build the app from the environment; each may run embedded projections, and the
        # views' locks let one of them apply each view while the others stand by.
        os.environ.update({"LIANJIAN_DEV_MODE": str(settings.dev_mode).lower(),
                           "LIANJIAN_DATA_DIR": str(settings.data_dir)})
        uvicorn.run("gateway.app:create_served_app", factory=True, host=settings.host, port=settings.port,
                    workers=workers, log_level="info", access_log=settings.access_log,
                    ws_max_size=settings.max_request_bytes)
        return
    from gateway.app import create_served_app

    uvicorn.run(create_served_app(settings), host=settings.host, port=settings.port, log_level="info",
                access_log=settings.access_log, ws_max_size=settings.max_request_bytes)


@app.command()
@friendly_errors
def serve(
    dev: bool = typer.Option(False, "--dev", help="Dev mode: GraphiQL, introspection, locally signed tokens."),
    host: str = typer.Option(None, help="Address to listen on (default 127.0.0.1)."),
    port: int = typer.Option(None, min=1, max=65535, help="Port (default 8000)."),
    workers: int = typer.Option(1, min=1, max=64, help="Server processes sharing the store."),
    access_log: bool = typer.Option(None, "--access-log/--no-access-log",
                                    help="A line a request on standard output (default: LIANJIAN_ACCESS_LOG, off)."),
) -> None:
    """Run the gateway: GraphQL at /graphql, /healthz, /readyz, /metrics."""
    settings = Settings()
    updates: dict[str, Any] = {"dev_mode": dev or settings.dev_mode}
    if access_log is not None:
        updates["access_log"] = access_log
    if host:
        updates["host"] = host
    if port:
        updates["port"] = port
    _serve(settings.model_copy(update=updates), workers)


@app.command()
@friendly_errors
def token(
    username: str = typer.Argument(..., help="A user of infra/keycloak/realm-lianjian.json, e.g. sqs-li."),
    lifetime: int = typer.Option(3600, min=60, max=86400, help="Seconds the token is valid."),
) -> None:
    """Print a dev-mode access token for a realm user (accepted only by a server in dev mode)."""
    from auth.dev import DevTokenIssuer, UnknownUser

    settings = Settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    try:
        typer.echo(DevTokenIssuer(settings.data_dir).issue(username, lifetime=lifetime))
    except UnknownUser as error:
        raise CliError(str(error)) from None


def _run_worker(worker: Any, once: bool, run_once: Callable[[], str]) -> None:
    """Run a worker until SIGTERM or Ctrl-C, or (``once``) one round, reporting what it did."""
    import signal

    signal.signal(signal.SIGTERM, lambda *_: worker.stop())
    try:
        if once:
            typer.echo(run_once())
        else:
            worker.run()
    except KeyboardInterrupt:
        pass
    finally:
        worker.close()


def _views(names: list[str] | None) -> list[Any]:
    from projections.views.catalog import all_views, view_by_name

    if not names:
        return all_views()
    try:
        return [view_by_name(name) for name in names]
    except KeyError as error:
        raise CliError(str(error.args[0])) from None


@app.command()
@friendly_errors
def project(
    views: list[str] = typer.Argument(None, help="Views to keep current (default: all, and the rules)."),
    rules: bool = typer.Option(None, "--rules/--no-rules", help="Also run the joint supervision rules."),
    seal: bool = typer.Option(None, "--seal/--no-seal", help="Also keep the audit hash chain sealed."),
    once: bool = typer.Option(False, "--once", help="Catch up once and exit."),
    poll_interval: float = typer.Option(1.0, min=0.05, help="Seconds between polls when no notice comes."),
    batch_size: int = typer.Option(BATCH_SIZE, min=1, max=100_000, help="Events per transaction, at most."),
    pause_per_event: float = typer.Option(0.0, hidden=True, help="Fault testing: pause after each event."),
    trace_batches: bool = typer.Option(False, hidden=True, help="Fault testing: a line per committed range."),
) -> None:
    """Run a projection worker: keep views current until stopped (production: one process per group).

    Without view names it runs every view, the rules and the sealer of the audit chain."""
    from projections.audit.sealer import SealingWorker
    from projections.runtime.runner import ViewRunner
    from projections.runtime.worker import ProjectionWorker

    settings = Settings()
    application = open_application(settings)
    chosen = _views(views)
    with_rules = (not views) if rules is None else rules
    with_sealer = (not views) if seal is None else seal
    ViewRunner.pause_per_event = pause_per_event
    worker = (SealingWorker if with_sealer else ProjectionWorker)(
        application, chosen, with_rules=with_rules, poll_interval=poll_interval, batch_size=batch_size,
        on_change=lambda name, state: typer.echo(f"{name}: {state}"), pause_collector=True,
        on_batch=(lambda name, start, end, epoch: typer.echo(f"{name}: applied {start}..{end} epoch {epoch}"))
        if trace_batches else None,
        # The time-based rules by the rules' worker (LIANJIAN_TICK_INTERVAL_SECONDS); `lianjian tick` for one now.
        tick_interval=settings.tick_interval_seconds if with_rules and not once else None,
    )
    _run_worker(worker, once, lambda: f"caught up: {worker.run_until_idle()} events read")


@app.command()
@friendly_errors
def rebuild(
    views: list[str] = typer.Argument(None, help="Views to rebuild or check (default: all)."),
    check: bool = typer.Option(False, "--check", help="Compare each live view with a rebuild; change nothing."),
    wait: float = typer.Option(30.0, help="Seconds to wait for a running worker to let go of a view."),
    jobs: int = typer.Option(1, min=1, max=16, help="Processes rebuilding side by side, each a share of the"
                                                     " organizations (one per core)."),
) -> None:
    """Recreate views from the log in one pass over it, or (--check) prove each equals a replay of the
    log, row by row."""
    from projections.runtime.rebuild import check as check_view
    from projections.runtime.rebuild import rebuild as rebuild_views
    from projections.runtime.worker import ExclusiveLock

    chosen = _views(views)
    if check:
        application = _open()
        failed = False
        for view in chosen:
            result = check_view(application, view)
            status = "equal" if not result.differences else f"{len(result.differences)} differences"
            typer.echo(f"{view.name}: {status} at position {result.position}")
            for difference in result.differences[:50]:
                typer.echo(f"  {difference}")
            failed = failed or bool(result.differences)
        if failed:
            raise typer.Exit(1)
        return
    application = _open()
    locks = []
    try:
        for view in chosen:
            lock = ExclusiveLock(application, view.tracking_name)
            deadline = time.monotonic() + wait
            while not lock.try_acquire():
                if time.monotonic() > deadline:
                    raise CliError(f"a worker is applying {view.name}; stop it first (or wait longer)")
                time.sleep(0.5)
            locks.append(lock)
        position = rebuild_views(application, chosen, jobs=jobs, run_shares=_run_shares)
    finally:
        for lock in locks:
            lock.release()
    for view in chosen:
        typer.echo(f"{view.name}: rebuilt to position {position}")


def _run_shares(names: list[str], count: int, until: int) -> None:
    """One `lianjian rebuild-share` process per share of the organizations, side by side."""
    import subprocess
    import sys

    workers = [subprocess.Popen([sys.executable, "-m", "gateway", "rebuild-share", *names, "--index", str(index),
                                 "--count", str(count), "--until", str(until)]) for index in range(count)]
    codes = [worker.wait() for worker in workers]
    if any(codes):
        raise CliError(f"a rebuilding process failed (exit codes {codes}); the views are as they were")


@app.command("rebuild-share", hidden=True)
@friendly_errors
def rebuild_share(
    views: list[str] = typer.Argument(..., help="Views being rebuilt."),
    index: int = typer.Option(..., min=0, help="This process's share, from 0."),
    count: int = typer.Option(..., min=2, help="How many shares."),
    until: int = typer.Option(..., min=0, help="The position the rebuild reaches."),
) -> None:
    """Internal: one share of `lianjian rebuild --jobs N`, into the scratch views its parent made."""
    from projections.runtime.rebuild import rebuild_share as apply_share

    if index >= count:
        raise CliError(f"--index must be below --count ({count})")
    applied = apply_share(_open(), _views(views), index, count, until)
    typer.echo(f"share {index + 1} of {count}: {applied} events applied")


@app.command()
@friendly_errors
def lag() -> None:
    """Each view's position, events behind and seconds behind."""
    from projections.runtime.runner import ViewRunner

    application = _open()
    runner = ViewRunner(application, _views(None))
    rows = [(row.view, str(row.position), str(row.head), str(row.events_behind), f"{row.seconds_behind:.1f}")
            for row in runner.lag()]
    _print_table(("view", "position", "head", "behind", "seconds"), rows)


def _print_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    """Columns as wide as their widest cell, two spaces apart: numbers never run together."""
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows)]
    for cells in (header, *rows):
        typer.echo("  ".join(cell.ljust(w) if i == 0 else cell.rjust(w)
                             for i, (cell, w) in enumerate(zip(cells, widths))).rstrip())


@app.command()
@friendly_errors
def tick(
    today: str = typer.Option(None, help="Business date to judge deadlines by (YYYY-MM-DD); default today."),
    wait: float = typer.Option(60.0, min=0.0, help="Seconds to wait for a running worker to bring the views up to"
                                                   " the log's head before the rules read them."),
) -> None:
    """Apply the time-based rules: overdue rectifications, 6-month exits, missing reports, 2-year listings,
    tasks' reminders and escalations.
    (`lianjian project` applies them itself on its interval; this is for a date of one's choosing.)"""
    from datetime import date

    from domain import clock
    from projections.rules.tick import tick as run_tick
    from projections.views.catalog import all_views

    try:
        day = date.fromisoformat(today) if today else clock.today()
    except ValueError:
        raise CliError(f"--today must be a date like 2026-05-31, not {today!r}") from None
    application = _open()
    _views_current(application, all_views(), timeout=wait)
    report = run_tick(application, day)
    typer.echo(
        f"{day}: {len(report.rectifications_overdue)} rectifications overdue, {len(report.abnormal_exits)}"
        f" automatic list exits, {len(report.annual_report_proposals)} missing-report proposals,"
        f" {len(report.escalation_proposals)} escalation proposals, {len(report.objections_overdue)} objections overdue,"
        f" {len(report.tasks_reminded)} tasks reminded, {len(report.tasks_escalated)} tasks escalated"
    )


def _views_current(application: Supervision, views: list[Any], timeout: float = 60.0) -> None:
    """Every view caught up to the log's head as it is now, before a command reads them: the views no worker
    holds by this process, under their locks (fenced, as a worker's); those a worker holds by waiting for it.
    Never both at once, which would meet the worker's rows."""
    from projections.runtime.db import ViewDatabase
    from projections.runtime.worker import ProjectionWorker

    head, db = application.head_position(), ViewDatabase(application)
    worker = ProjectionWorker(application, views, on_change=lambda name, state: None)
    deadline = time.monotonic() + timeout
    try:
        while True:
            worker.step()
            behind = [v.name for v in views if db.position(v.tracking_name) < head]
            if not behind:
                return
            if time.monotonic() > deadline:
                raise CliError(f"views still behind the log after {timeout:g} s: {', '.join(behind)}"
                               " (is the worker running? `lianjian lag` shows how far)")
            time.sleep(0.2)
    finally:
        worker.close()


# -- audit: history, time travel and tamper evidence (one block; projections/audit/) ------

AUDIT_KEY_ENV = "LIANJIAN_AUDIT_KEY"
# A running sealer seals each stored event within a second (docs/audit.md); a minute leaves room for a busy one.
SEALING_WINDOW_SECONDS = 60.0


def _audit_key_path(key: Path | None) -> Path:
    from projections.audit.checkpoints import KEY_FILE

    return key if key is not None else Settings().data_dir / KEY_FILE


def _moment(text: str, option: str, end_of_day: bool = False) -> Any:
    from projections.audit.asof import parse_moment

    try:
        return parse_moment(text, end_of_day=end_of_day)
    except DomainError as error:
        raise CliError(f"{option}: {error}") from None


def _local_time(moment: Any) -> str:
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")


@app.command("log")
@friendly_errors
def event_log_command(
    department: str = typer.Option(None, help="Only events recorded by this department, e.g. finance."),
    actor: str = typer.Option(None, help="Only events recorded by this user (id or username)."),
    event_type: str = typer.Option(None, "--type", help="An event type (Organization.Registered) or all of one"
                                                         " kind (Organization)."),
    since: str = typer.Option(None, help="Recorded on or after (2020-01-01 or 2020-01-01T08:30; Asia/Shanghai)."),
    until: str = typer.Option(None, help="Recorded before; a date alone includes that whole day."),
    after: int = typer.Option(0, min=0, help="Cursor: start after this global position (the last page's 'next')."),
    limit: int = typer.Option(50, min=1, max=1000, help="Events per page."),
    technical: bool = typer.Option(False, "--technical", help="Also show name/code index and receipt events."),
) -> None:
    """The global event log, filtered and a page at a time: who recorded what, when, why."""
    from projections.audit.event_log import LogFilter, event_log

    filters = LogFilter(
        department=department, actor=actor, event_type=event_type,
        since=_moment(since, "--since") if since else None,
        until=_moment(until, "--until", end_of_day=True) if until else None,
        include_technical=technical,
    )
    page = event_log(_open(), filters, after=after, limit=limit)
    for recorded in page.events:
        ctx = recorded.ctx
        who = f"{ctx.actor.username} ({ctx.actor.department})" if ctx else "-"
        basis = f" [{ctx.legal_basis}]" if ctx and ctx.legal_basis else ""
        why = f": {ctx.reason}{basis}" if ctx else ""
        typer.echo(f"#{recorded.position:<7}{_local_time(recorded.recorded_at)}  {recorded.type:<38}{who:<34}"
                   f"{recorded.aggregate_id}/{recorded.version}{why}")
    shown = f"{len(page.events)} events" if page.events else "no events"
    if page.next_after is not None:
        typer.echo(f"-- {shown}; next page: --after {page.next_after}")
    else:
        typer.echo(f"-- {shown}; end of the log (head #{page.head})")


@app.command()
@friendly_errors
def dossier(
    organization: str = typer.Argument(..., help="The organization's id, credit code or exact name."),
    fmt: str = typer.Option("json", "--format", help="json, csv (one row per event), html (printable) or pdf."),
    output: Path = typer.Option(None, "--output", "-o", help="Write to this file instead of printing."),
    show_personal_data: bool = typer.Option(False, "--show-personal-data", help="Include ID and phone numbers."),
) -> None:
    """Export an organization's dossier: its record and full history with who, why and legal basis."""
    from projections.audit.dossier import FORMATS, build_dossier, render

    if fmt not in (*FORMATS, "pdf"):
        raise CliError(f"--format must be one of {', '.join(FORMATS)} or pdf, not {fmt!r}")
    application = _open()
    built = build_dossier(application, organization, personal_data=show_personal_data)
    if show_personal_data:
        _record_read(application, built.organization["id"], "dossier")
    if fmt == "pdf":
        from gateway.files.pdf import dossier_pdf

        out = output or Path(f"dossier-{built.organization['id']}.pdf")
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(dossier_pdf(built, application.head_position()))
        typer.echo(f"Wrote {out} (pdf, {len(built.events)} events).", err=True)
        return
    text = render(built, fmt)
    if output is None:
        typer.echo(text, nl=False)
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    # CSV with a byte-order mark, so spreadsheet programs read the Chinese text as UTF-8.
    output.write_text(text, encoding="utf-8-sig" if fmt == "csv" else "utf-8")
    typer.echo(f"Wrote {output} ({fmt}, {len(built.events)} events).", err=True)


@app.command()
@friendly_errors
def reads(
    organization: str = typer.Option(None, help="Only reads of this organization (id, credit code or name)."),
    user: str = typer.Option(None, help="Only reads by this user (id or username)."),
    after: int = typer.Option(0, min=0, help="Cursor: start after this position (the last page's 'next')."),
    limit: int = typer.Option(50, min=1, max=1000, help="Reads per page."),
) -> None:
    """The read audit: who was shown which organization's personal data, when and through what."""
    from projections.runtime.db import ViewDatabase
    from projections.audit.read_audit import list_reads

    application = _open()
    org_id = str(application.find_organization(organization).id) if organization else None
    page = list_reads(ViewDatabase(application), after=after, limit=limit, org_id=org_id, username=user)
    for read in page.reads:
        who = f"{read.username} ({read.department or read.via})"
        typer.echo(f"#{read.position:<7}{_local_time(read.read_at)}  {who:<34}{read.org_id}  {read.what}")
    shown = f"{len(page.reads)} reads" if page.reads else "no reads"
    typer.echo(f"-- {shown}; next page: --after {page.next_after}" if page.next_after is not None
               else f"-- {shown}; end of the read audit")


@app.command()
@friendly_errors
def asof(
    organization: str = typer.Argument(..., help="The organization's id, credit code or current name."),
    at: str = typer.Option(None, help="As recorded at this time (2020-01-01 = 00:00 that day, Asia/Shanghai)."),
    version: int = typer.Option(None, min=1, help="Or as of this version of its record."),
    show_personal_data: bool = typer.Option(False, "--show-personal-data", help="Include ID and phone numbers."),
) -> None:
    """An organization as it stood at a recorded time or version."""
    from projections.audit.asof import organization_as_of
    from projections.audit.dossier import organization_summary

    if (at is None) == (version is None):
        raise CliError("give --at TIME or --version N")
    application = _open()
    found = organization_as_of(application, organization, at=_moment(at, "--at") if at else None, version=version)
    if show_personal_data:
        _record_read(application, str(found.organization.id), "asof")
    typer.echo(f"as of version {found.version} of {found.latest_version}, recorded"
               f" {_local_time(found.recorded_at)} Asia/Shanghai")
    for key, value in organization_summary(found.organization, show_personal_data).items():
        if value not in (None, "", [], {}):
            typer.echo(f"  {key:<24}{value}")


@app.command()
@friendly_errors
def replay(
    view: str = typer.Argument(..., help="The view to replay, e.g. civil_affairs_registry."),
    at: str = typer.Option(..., help="As of this recorded time (2020-01-01 = 00:00 that day, Asia/Shanghai)."),
    drop: bool = typer.Option(False, "--drop", help="Drop the scratch tables after counting their rows."),
) -> None:
    """Rebuild a view as it was at a time, into scratch tables asof_<view>__<table>, and summarize it."""
    from projections.audit.asof import replay_view

    moment = _moment(at, "--at")
    result = replay_view(_open(), view, moment, drop=drop)
    typer.echo(f"{result.view} as of {_local_time(moment)} Asia/Shanghai: events up to #{result.position}")
    for table, rows in result.tables.items():
        typer.echo(f"  {table:<56}{rows:>8} rows")
    if drop:
        typer.echo("scratch tables dropped")
    else:
        typer.echo("scratch tables kept for inspection (replaced by the next replay of this view; --drop removes)")


@app.command()
@friendly_errors
def seal(
    once: bool = typer.Option(False, "--once", help="Seal what is stored and exit."),
    algorithm: str = typer.Option(None, help="sha256 (default) or sm3, fixed when the chain begins."),
    poll_interval: float = typer.Option(0.2, min=0.01, max=1.0, help="Seconds between polls (PostgreSQL also"
                                                                      " wakes on NOTIFY)."),
    checkpoint_every: float = typer.Option(None, min=1.0, help="Also write a signed checkpoint this often"
                                                                 " (seconds)."),
    key: Path = typer.Option(None, envvar=AUDIT_KEY_ENV, help="Ed25519 signing key (PEM); default"
                                                                " <data dir>/audit-signing-key.pem."),
) -> None:
    """Keep the hash chain sealed: each stored event gets its chain entry within a second."""
    from projections.audit.sealer import SEALER_NAME, ChainSealer, SealingWorker
    from projections.audit.checkpoints import load_signing_key

    application = _open()
    ChainSealer(application, algorithm=algorithm)  # refuses an algorithm other than the chain's, here and now
    signing_key = load_signing_key(_audit_key_path(key), create=True) if checkpoint_every else None
    worker = SealingWorker(
        application, algorithm=algorithm, checkpoint_every=checkpoint_every, signing_key=signing_key,
        poll_interval=poll_interval, on_change=lambda name, state: typer.echo(f"{name}: {state}"),
    )

    def once_sealed() -> str:
        sealed = worker.step()
        if SEALER_NAME not in worker.processors:
            raise CliError("another process is sealing; it keeps the chain current")
        return f"sealed {sealed} events; the chain ends at #{worker.position(SEALER_NAME)}"

    _run_worker(worker, once, once_sealed)


@app.command()
@friendly_errors
def checkpoint(
    key: Path = typer.Option(None, envvar=AUDIT_KEY_ENV, help="Ed25519 signing key (PEM); made when absent;"
                                                                " default <data dir>/audit-signing-key.pem."),
    output: Path = typer.Option(None, "--output", "-o", help="Also write the checkpoint to this file."),
) -> None:
    """Sign the chain's head now; prints the checkpoint (JSON) for an auditor to keep outside the system."""
    from projections.audit.sealer import SEALER_NAME, ChainSealer
    from projections.audit.checkpoints import load_signing_key, write_checkpoint
    from projections.runtime.worker import ExclusiveLock

    application = _open()
    signing_key = load_signing_key(_audit_key_path(key), create=True)
    lock = ExclusiveLock(application, SEALER_NAME)
    if lock.try_acquire():  # no sealer is running: seal what is stored first
        try:
            ChainSealer(application).catch_up()
        finally:
            lock.release()
    written = write_checkpoint(application, signing_key)
    text = written.to_json()
    if output is not None:
        output.write_text(text + "\n", encoding="utf-8")
    typer.echo(text)


def _unsealed_for(application: Supervision, first_unsealed: int | None) -> float | None:
    """Seconds since the oldest unsealed event was stored, or None when every event is sealed."""
    from domain import clock

    if first_unsealed is None:
        return None
    oldest = application.read_events(first_unsealed, 1)
    return (clock.now() - oldest[0].recorded_at).total_seconds() if oldest else None


@app.command()
@friendly_errors
def verify(
    kept: Path = typer.Option(None, "--checkpoint", help="A checkpoint kept outside the system (JSON) to check"
                                                         " the chain against."),
    public_key: str = typer.Option(None, help="Require the checkpoint to be signed by this key (hex)."),
    window: float = typer.Option(SEALING_WINDOW_SECONDS, min=0.0, help="Seconds within which a stored event is"
                                 " sealed when a sealer runs; older unsealed events end in exit code 3."),
) -> None:
    """Walk the hash chain; name the first altered, removed, inserted or reordered event. Exit 1 if any;
    exit 3 if the chain is intact but events older than the sealing window are not sealed (no sealer runs)."""
    from projections.audit.verify import verify as verify_chain
    from projections.audit.checkpoints import read_checkpoint

    outside = read_checkpoint(kept) if kept is not None else None
    application = _open()
    report = verify_chain(application, checkpoint=outside, public_key=public_key)
    rate = report.checked / report.seconds if report.seconds else 0.0
    typer.echo(f"chain: {report.algorithm or 'none yet'}, sealed through #{report.sealed_head};"
               f" store head #{report.store_head}")
    typer.echo(f"checked {report.checked} sealed events in {report.seconds:.2f} s ({rate:,.0f} events/s);"
               f" {report.checkpoints_checked} checkpoints")
    if report.unsealed:
        typer.echo(f"unsealed: {report.unsealed} events from #{report.first_unsealed} (not yet sealed:"
                   " `lianjian seal`; not counted as tampering)")
    else:
        typer.echo("unsealed: none")
    if report.intact:
        typer.echo("INTACT: no event was altered, removed, inserted or reordered")
        overdue = _unsealed_for(application, report.first_unsealed)
        if overdue is not None and overdue > window:
            typer.echo(f"UNSEALED: {report.unsealed} events are not in the chain; the oldest (#{report.first_unsealed})"
                       f" was stored {overdue:,.0f} s ago, beyond the {window:g} s sealing window. They are not"
                       " protected until sealed: is a sealer running (`lianjian seal`, or the server)?")
            raise typer.Exit(3)
        return
    first = report.first
    typer.echo(f"TAMPERED: {report.total_findings} findings; the first: {first}")
    for finding in report.findings[1:50]:
        typer.echo(f"  {finding}")
    raise typer.Exit(1)


# -- files: the Excel ledger in, lists and documents out (gateway/files/) ------------------------------------


@app.command("import")
@friendly_errors
def import_command(
    file: Path = typer.Argument(None, help="The ledger (.xlsx) to import; columns in docs/import.md."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Check every row and report; write nothing."),
    template: Path = typer.Option(None, "--template", help="Write the empty ledger template to this file instead."),
) -> None:
    """Import a street's Excel ledger of organizations: each row registered or filed as the ordinary commands."""
    from gateway.files.ledger import Importer, write_template

    if template is not None:
        write_template(template)
        typer.echo(f"Wrote the ledger template to {template}.")
        return
    if file is None:
        raise CliError("name the ledger to import (or --template OUT.xlsx)")
    from projections.runtime.runner import ViewRunner
    from projections.views.catalog import all_views

    settings = Settings()
    application = open_application(settings)
    importer = Importer(application, file, max_bytes=settings.import_max_bytes)
    ViewRunner(application, all_views()).catch_up()  # the registry's communities, for the check of each row
    report = importer.run(dry_run=dry_run, progress=_progress("recording rows"))
    for problem in report.problems:
        typer.echo(problem.line())
    typer.echo(f"{report.file_name} (sha256 {report.sha256[:16]}…, import {report.import_id}): {report.rows} rows,"
               f" {len({p.row for p in report.problems})} with problems")
    if dry_run:
        typer.echo("Dry run: nothing was recorded.")
    else:
        typer.echo(f"Recorded {len(report.recorded)} rows{_rows(report.recorded)}; already recorded by an earlier"
                   f" import: {len(report.already)}{_rows(report.already)}.")
    if report.problems:
        raise typer.Exit(1)


def _rows(rows: list[tuple[str, int]]) -> str:
    """ (社会组织 rows 2, 3; 行政处罚 rows 2): the first twenty rows, by sheet."""
    if not rows:
        return ""
    by_sheet: dict[str, list[str]] = {}
    for sheet, number in rows[:20]:
        by_sheet.setdefault(sheet, []).append(str(number))
    shown = "; ".join(f"{sheet} rows {', '.join(numbers)}" for sheet, numbers in by_sheet.items())
    return f" ({shown}{' …' if len(rows) > 20 else ''})"


def _progress(label: str) -> Callable[[Any], Any]:
    """A progress bar on a terminal (rich, through Typer), nothing when the output is a file or a test."""
    import sys

    def bar(items: Any) -> Any:
        items = list(items)
        if not sys.stderr.isatty() or len(items) < 200:
            return items
        from rich.progress import track

        return track(items, description=label, transient=True)

    return bar


@app.command("export")
@friendly_errors
def export_command(
    what: str = typer.Argument(..., help="organizations, alerts, funding, credit-lists, inspections or events."),
    output: Path = typer.Option(..., "--output", "-o", help="The file to write."),
    fmt: str = typer.Option("xlsx", "--format", help="xlsx (typed) or csv (formula-safe)."),
    street: str = typer.Option(None, help="Only this street (not for credit-lists and events)."),
    community: str = typer.Option(None, help="organizations: only this community."),
    kind: str = typer.Option(None, help="organizations: only this kind (social_group, community …)."),
    status: str = typer.Option(None, help="organizations: only this status (registered, filed …)."),
    grade: int = typer.Option(None, help="organizations: only this evaluation grade."),
    credit_code: str = typer.Option(None, "--credit-code", help="organizations: only this credit code."),
    name: str = typer.Option(None, help="organizations: names containing this text."),
    credit_list: str = typer.Option(None, "--credit-list", help="organizations: on a list (abnormal, serious, any)."),
    department: str = typer.Option(None, help="events: recorded by this department."),
    since: str = typer.Option(None, help="events: recorded on or after (2020-01-01; Asia/Shanghai)."),
    until: str = typer.Option(None, help="events: recorded before; a date alone includes that day."),
    show_personal_data: bool = typer.Option(False, "--show-personal-data", help="organizations: include ID and phone"
                                            " numbers (each organization's read is recorded)."),
    as_user: str = typer.Option(None, "--as", help="organizations: as this realm user would see them through the"
                                " API (its jurisdiction, its role's masking)."),
) -> None:
    """Export a list as .xlsx or CSV. The CLI is the operator's: it exports all the filters select, every district,
    unless --as names a user (organizations only)."""
    from auth import policy
    from gateway.files.export import EXPORTS, FORMATS, events_table, list_table, organizations_table, write
    from projections.views.catalog import all_views

    if what not in EXPORTS:
        raise CliError(f"no list {what!r} to export ({', '.join(EXPORTS)})")
    if fmt not in FORMATS:
        raise CliError(f"--format is one of {', '.join(FORMATS)}, not {fmt!r}")
    application = _open()
    _views_current(application, all_views())  # rebuilt first where this release changed a view's shape
    if as_user is not None and what != "organizations":
        raise CliError("--as applies to the organizations' export only")
    if what == "organizations":
        principal = _realm_principal(as_user) if as_user is not None else None
        table = organizations_table(application, personal_data=show_personal_data, street=street,
                                    community=community, kind=kind, status=status, grade=grade,
                                    credit_code=credit_code, name=name, credit_list=credit_list, principal=principal)
        if show_personal_data:
            rows = list(table.rows)
            headers = [header for header, _ in table.columns]
            district, street_at = headers.index("区"), headers.index("街道")
            for row in rows:  # each organization whose personal data is shown whole: a read, recorded
                if principal is None or policy.personal_data_unmasked(principal, row[district], row[street_at]):
                    _record_read(application, row[-1], "export")
            table = replace(table, rows=rows)
    elif what == "events":
        from projections.audit.event_log import LogFilter

        table = events_table(application, LogFilter(
            department=department, since=_moment(since, "--since") if since else None,
            until=_moment(until, "--until", end_of_day=True) if until else None))
    else:
        table = list_table(application, what, street)
    count = write(table, fmt, output)
    typer.echo(f"Wrote {output} ({fmt}, {count} rows of {what}).", err=True)


def _realm_principal(username: str) -> Any:
    from auth.dev import UnknownUser, realm_principal
    from auth.policy import AccessDenied, require_query

    try:
        principal = realm_principal(username)
    except UnknownUser as error:
        raise CliError(str(error)) from None
    try:
        require_query(principal, "organizations")
    except AccessDenied as error:
        raise CliError(str(error)) from None
    return principal


@app.command("report")
@friendly_errors
def report_command(
    which: str = typer.Argument(..., help="The report: monthly."),
    street: str = typer.Option(..., help="The street, e.g. shangqingsi."),
    month: str = typer.Option(..., help="The month, e.g. 2026-11."),
    output: Path = typer.Option(None, "--output", "-o", help="The PDF to write (default: monthly-STREET-MONTH.pdf)."),
) -> None:
    """A street's monthly supervision report as a PDF: counts and changes, credit lists, penalties, funding,
    inspections."""
    from gateway.files.pdf import Month, monthly_report_pdf
    from projections.views.catalog import all_views

    if which != "monthly":
        raise CliError(f"no report {which!r} (monthly)")
    period = Month.parse(month)
    application = _open()
    _views_current(application, all_views())  # rebuilt first where this release changed a view's shape
    out = output or Path(f"monthly-{street}-{month}.pdf")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(monthly_report_pdf(application, street, period))
    typer.echo(f"Wrote {out}.", err=True)
