"""The `lianjian` command line. Each command only translates: read arguments, call the service, print."""

from __future__ import annotations

import functools
import time
from collections import Counter
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
            problems = "; ".join(e["msg"].removeprefix("Value error, ") for e in error.errors())
            message = f"configuration: {problems}"
        except (DomainError, CliError) as error:
            message = str(error)
        except PersistenceError as error:
            message = f"the event store cannot be used: {error}"
        except (OSError, ValueError) as error:
            message = str(error)
        typer.echo(f"lianjian: {message}", err=True)
        raise typer.Exit(2)

    return wrapper  # type: ignore[return-value]


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
    typer.echo("")
    _print_overview(application)
    application.close()
    if serve:
        typer.echo("")
        typer.echo(f"Serving on http://{settings.host}:{settings.port}/ in dev mode (Ctrl-C stops it).")
        typer.echo(f"  GraphiQL: http://{settings.host}:{settings.port}/graphql   a token: lianjian token sqs-li")
        _serve(settings.model_copy(update={"dev_mode": True}))


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
    typer.echo(f"{org.name}  ({org.id})")
    for recorded in application.history(org.id):
        _print_event(recorded, show_personal_data)


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


def _serve(settings: Settings) -> None:
    import uvicorn

    from gateway.app import create_app

    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="info")


@app.command()
@friendly_errors
def serve(
    dev: bool = typer.Option(False, "--dev", help="Dev mode: GraphiQL, introspection, locally signed tokens."),
    host: str = typer.Option(None, help="Address to listen on (default 127.0.0.1)."),
    port: int = typer.Option(None, min=1, max=65535, help="Port (default 8000)."),
) -> None:
    """Run the gateway: GraphQL at /graphql, /healthz, /readyz, /metrics."""
    settings = Settings()
    updates: dict[str, Any] = {"dev_mode": dev or settings.dev_mode}
    if host:
        updates["host"] = host
    if port:
        updates["port"] = port
    _serve(settings.model_copy(update=updates))


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


def _views(names: list[str] | None) -> list[Any]:
    from projections.catalog import all_views, view_by_name

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
    once: bool = typer.Option(False, "--once", help="Catch up once and exit."),
    poll_interval: float = typer.Option(1.0, min=0.05, help="Seconds between polls when no notice comes."),
    batch_size: int = typer.Option(1000, min=1, max=100_000, help="Events per transaction."),
    pause_per_event: float = typer.Option(0.0, hidden=True, help="Fault testing: pause after each event."),
) -> None:
    """Run a projection worker: keep views current until stopped (production: one process per group)."""
    import signal

    from projections.runner import ViewRunner
    from projections.worker import ProjectionWorker

    application = _open()
    chosen = _views(views)
    with_rules = (not views) if rules is None else rules
    ViewRunner.pause_per_event = pause_per_event
    worker = ProjectionWorker(
        application, chosen, with_rules=with_rules, poll_interval=poll_interval, batch_size=batch_size,
        on_change=lambda name, state: typer.echo(f"{name}: {state}"),
    )
    signal.signal(signal.SIGTERM, lambda *_: worker.stop())
    try:
        if once:
            read = worker.step()
            typer.echo(f"caught up: {read} events read")
        else:
            worker.run()
    except KeyboardInterrupt:
        pass
    finally:
        worker.close()


@app.command()
@friendly_errors
def rebuild(
    views: list[str] = typer.Argument(None, help="Views to rebuild or check (default: all)."),
    check: bool = typer.Option(False, "--check", help="Compare each live view with a rebuild; change nothing."),
    wait: float = typer.Option(30.0, help="Seconds to wait for a running worker to let go of a view."),
) -> None:
    """Recreate views from the log, or (--check) prove each equals a replay of the log, row by row."""
    from projections.rebuild import check as check_view
    from projections.rebuild import rebuild as rebuild_view
    from projections.worker import ExclusiveLock

    application = _open()
    failed = False
    for view in _views(views):
        if check:
            result = check_view(application, view)
            status = "equal" if not result.differences else f"{len(result.differences)} differences"
            typer.echo(f"{view.name}: {status} at position {result.position}")
            for difference in result.differences[:50]:
                typer.echo(f"  {difference}")
            failed = failed or bool(result.differences)
            continue
        lock = ExclusiveLock(application, view.tracking_name)
        deadline = time.monotonic() + wait
        while not lock.try_acquire():
            if time.monotonic() > deadline:
                raise CliError(f"a worker is applying {view.name}; stop it first (or wait longer)")
            time.sleep(0.5)
        try:
            position = rebuild_view(application, view)
        finally:
            lock.release()
        typer.echo(f"{view.name}: rebuilt to position {position}")
    if failed:
        raise typer.Exit(1)


@app.command()
@friendly_errors
def lag() -> None:
    """Each view's position, events behind and seconds behind."""
    from projections.runner import ViewRunner

    application = _open()
    runner = ViewRunner(application, _views(None))
    typer.echo(f"{'view':<26}{'position':>10}{'head':>10}{'behind':>10}{'seconds':>10}")
    for row in runner.lag():
        typer.echo(f"{row.view:<26}{row.position:>10}{row.head:>10}{row.events_behind:>10}{row.seconds_behind:>10.1f}")


@app.command()
@friendly_errors
def tick(
    today: str = typer.Option(None, help="Business date to judge deadlines by (YYYY-MM-DD); default today."),
) -> None:
    """Apply the time-based rules: overdue rectifications, 6-month exits, missing reports, 2-year listings."""
    from datetime import date

    from domain import clock
    from projections.catalog import all_views
    from projections.runner import ViewRunner
    from projections.tick import tick as run_tick

    try:
        day = date.fromisoformat(today) if today else clock.today()
    except ValueError:
        raise CliError(f"--today must be a date like 2026-05-31, not {today!r}") from None
    application = _open()
    ViewRunner(application, all_views()).catch_up()
    report = run_tick(application, day)
    typer.echo(
        f"{day}: {len(report.rectifications_overdue)} rectifications overdue, {len(report.abnormal_exits)}"
        f" automatic list exits, {len(report.annual_report_proposals)} missing-report proposals,"
        f" {len(report.escalation_proposals)} escalation proposals"
    )
