"""One benchmark table against baselines measured in the same run; writes docs/benchmarks.md.

    .venv/bin/python -m bench            # the city: 20,000 organizations, about a million events (long)
    .venv/bin/python -m bench --quick    # small sizes, under two minutes; prints, writes nothing
    .venv/bin/python -m bench --scale district --output /tmp/b.md

Each figure stands beside its baseline, measured in the same run on the same machine, with their ratio:

- commands per second through the domain service (SQLite, PostgreSQL) beside a plain eventsourcing
  application with one bare aggregate (bench/baselines.py) and beside single-insert transactions of the
  same bytes with the database's own driver (the floor the database sets);
- the same command through GraphQL over HTTP with 1, 8 and 32 concurrent clients, beside the domain service
  (and the stack alone answering an empty mutation beside it: the ceiling of any server on it),
  and the p99 of 32 clients sending at 50% and 80% of the rate that saturated the server (three runs each);
  and the served application called in process as an ASGI app, with no HTTP: what one server process
  could answer at most;
- each view's catch-up rate beside a bare read-and-decode loop, and a full rebuild of every view from the
  whole log (`lianjian rebuild`, in one process and with --jobs 2), with a profile of where its time goes;
- query latency (organization, street overview, filtered search) over HTTP beside the same SQL in process,
  and the three mixed from 32 clients at 50% and 80% of the rate that saturated the server;
- peak memory of the server and of the rebuilding processes.

Data: bench/scale.py (bench/district.py's generator). PostgreSQL: a private server with PostgreSQL's
durable defaults (fsync and synchronous commit on), or LIANJIAN_BENCH_DATABASE_URL. Never part of the tests.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import json
import os
import platform
import pstats
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from contextlib import ExitStack, closing
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402

from auth.dev import DevTokenIssuer  # noqa: E402
from bench.baselines import BareApplication  # noqa: E402
from bench.database import bench_database  # noqa: E402
from bench.gateway import (  # noqa: E402
    ORG_QUERY,
    ClientRun,
    asgi_commands,
    count_body,
    closed_commands,
    histogram_quantile,
    server_gc_pauses,
    server_histogram,
    server_metrics,
    start_server,
    start_stack_floor,
    thread_clients,
    warm_cache,
)
from bench.projections import bare_loop, catch_up_rate  # noqa: E402
from bench.scale import SCALES, Scale, record, scale_named  # noqa: E402
from bench.stats import percentile  # noqa: E402
from domain.context import Actor, Context  # noqa: E402
from gateway.settings import Settings  # noqa: E402
from gateway.storage import SQLITE_FILE, eventsourcing_env, open_application  # noqa: E402
from projections.views.catalog import ALL_VIEWS, all_views  # noqa: E402
from projections.runtime.db import ViewDatabase  # noqa: E402
from projections.views.history import EventHistoryView  # noqa: E402
from projections.views.registry import CivilAffairsRegistry  # noqa: E402
from projections.views.street_office import StreetOfficeView  # noqa: E402

PARTY_OFFICER = Actor("party-1", "party-liu", "party_building", "officer")
STREET_QUERY = """query($street: String!) { streetOverview(street: $street) { organizations
  byKind { key count } byStatus { key count } byCategory { key count } byCommunity { key count }
  party { activeOrganizations withPartyOrganization partyMembers coverage }
  funding { projectsAwarded awarded disbursed } openInspections overdueRectifications
  creditListed { name onAbnormalList } } }"""
SEARCH_QUERY = """query($f: OrganizationFilter) { organizations(filter: $f, first: 20) { totalCount
  edges { node { id name status street } } pageInfo { hasNextPage endCursor } } }"""
HISTORY_QUERY = """query($id: ID!) { organizationHistory(id: $id, first: 20) { events { position type occurredOn
  reason } pageInfo { hasNextPage } } }"""
SEARCH_WORDS = ["志愿", "服务中心", "协会", "合唱", "老年", "社会工作", "调解", "青少年", "文化", "互助"]


@dataclass(frozen=True)
class Sizes:
    commands: int  # per store, through the domain service and each baseline
    http: dict[int, int]  # concurrent clients -> commands each
    slice: int | None  # events for the per-view rates and the profile (None: the whole log)
    queries: int  # per kind of query


QUICK = Sizes(commands=200, http={1: 100, 8: 15, 32: 4}, slice=None, queries=60)
FULL = Sizes(commands=2000, http={1: 600, 8: 100, 32: 30}, slice=100_000, queries=400)


@dataclass
class Row:
    section: str
    what: str
    figure: float
    unit: str
    baseline: str
    base: float | None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if not self.base:
            return None
        return self.figure / self.base


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    notes: dict[str, list[str]] = field(default_factory=dict)

    def add(self, row: Row) -> None:
        self.rows.append(row)
        ratio = f"{row.ratio:.2f}" if row.ratio is not None else "—"
        print(f"  {row.what:<52}{fmt(row.figure):>10} {row.unit:<9}| {row.baseline:<44}"
              f"{fmt(row.base) if row.base is not None else '—':>10} | {ratio:>6} {row.note}", flush=True)

    def note(self, section: str, line: str) -> None:
        self.notes.setdefault(section, []).append(line)
        print(f"  {line}", flush=True)


def fmt(value: float | None) -> str:
    if value is None:
        return "—"
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# -- the machine ---------------------------------------------------------------------------------------


def machine(pg_version: str) -> dict[str, str]:
    model = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal"))
        memory = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration):
        memory = "?"
    from importlib.metadata import version

    return {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cores": f"{os.cpu_count()} ({model})",
        "memory": memory,
        "system": f"{platform.system()} {platform.release()}",
        "Python": platform.python_version(),
        "PostgreSQL": pg_version,
        "SQLite": sqlite3.sqlite_version,
        "eventsourcing": version("eventsourcing"),
    }


def cpu_ticks() -> list[int]:
    """The machine's CPU time so far by kind (/proc/stat: user, nice, system, idle, iowait, irq, softirq,
    steal, …), in ticks; empty where there is no /proc."""
    try:
        return [int(n) for n in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    except (OSError, ValueError, IndexError):
        return []


def stolen(before: list[int], after: list[int]) -> str:
    """The share of the machine's time the hypervisor gave to other guests meanwhile (steal): on a shared
    host, what makes one run slower than the next for reasons in no process of ours."""
    if len(before) < 8 or len(after) < 8:
        return "?"
    spent = [b - a for a, b in zip(before, after, strict=False)]
    return f"{100 * spent[7] / max(1, sum(spent[:8])):.1f}% of the CPU time during the run (steal, /proc/stat)"


def rss_kb(pid: int, field_name: str = "VmHWM") -> int:
    """A process's resident memory from /proc: VmHWM is its peak so far, VmRSS its present size."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1])
    return 0


# -- commands ------------------------------------------------------------------------------------------


def count_once(app: Any, org_id: str, i: int) -> None:
    """The benchmark's one command: countPartyMembers through the domain service."""
    app.count_party_members(Context(PARTY_OFFICER, "基准测试", date(2026, 11, 20)), org_id, members=i % 9 + 1)


def domain_commands(app: Any, org_ids: list[str], n: int, seed: int, distinct: bool = False) -> tuple[float, int]:
    """count_party_members on random organizations (each once, if ``distinct``); commands/s, and the
    position before the first."""
    rng = random.Random(seed)
    picks = rng.sample(org_ids, min(n, len(org_ids))) if distinct else [rng.choice(org_ids) for _ in range(n)]
    n = len(picks)
    before = app.head_position()
    gc.collect()
    started = time.perf_counter()
    for i, org_id in enumerate(picks):
        count_once(app, org_id, i)
    return n / (time.perf_counter() - started), before


def warm_and_bare(app: Any, org_ids: list[str], env: dict[str, str], n: int, seed: int,
                  blocks: int = 10) -> tuple[float, float, int]:
    """Commands through the domain service (random organizations) and the same number through a plain
    eventsourcing application with one bare aggregate (500 of them), in alternating blocks so that the
    machine's drift falls on both alike. Returns both rates and the position before the first command."""
    bare = BareApplication(env=env)
    rng = random.Random(seed)
    tallies = [bare.start(f"计数{k}") for k in range(min(n, 500))]
    domain_picks = [rng.choice(org_ids) for _ in range(n)]
    bare_picks = [rng.choice(tallies) for _ in range(n)]
    before = app.head_position()
    domain_seconds = bare_seconds = 0.0
    per = -(-n // blocks)
    gc.collect()
    for block in range(0, n, per):
        started = time.perf_counter()
        for i in range(block, min(block + per, n)):
            count_once(app, domain_picks[i], i)
        domain_seconds += time.perf_counter() - started
        started = time.perf_counter()
        for i in range(block, min(block + per, n)):
            bare.count(bare_picks[i], i % 9 + 1)
        bare_seconds += time.perf_counter() - started
    bare.close()
    return n / domain_seconds, n / bare_seconds, before


def stored_after(app: Any, position: int, n: int) -> list[tuple[Any, int, str, bytes]]:
    """The stored events the domain commands wrote: the bytes for the raw-insert floor."""
    return [(s.originator_id, s.originator_version, s.topic, bytes(s.state))
            for s in app.recorder.select_notifications(position + 1, n)]


def raw_postgres_inserts(url: str, records: list[tuple[Any, int, str, bytes]]) -> float:
    """One INSERT per transaction (autocommit) of the same bytes, with psycopg: the database's floor."""
    table = "raw_" + uuid.uuid4().hex[:8]
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE TABLE {table} (id BIGSERIAL PRIMARY KEY, originator_id UUID NOT NULL,"
                     " originator_version INTEGER NOT NULL, topic TEXT NOT NULL, state BYTEA,"
                     " UNIQUE (originator_id, originator_version))")
        gc.collect()
        started = time.perf_counter()
        for record_ in records:
            conn.execute(f"INSERT INTO {table} (originator_id, originator_version, topic, state)"
                         " VALUES (%s, %s, %s, %s)", record_)
        seconds = time.perf_counter() - started
        conn.execute(f"DROP TABLE {table}")
    return len(records) / seconds


def raw_sqlite_inserts(path: str, records: list[tuple[Any, int, str, bytes]]) -> float:
    """One INSERT per transaction of the same bytes into the same SQLite file (WAL), with sqlite3."""
    table = "raw_" + uuid.uuid4().hex[:8]
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, originator_id TEXT NOT NULL,"
                 " originator_version INTEGER NOT NULL, topic TEXT NOT NULL, state BLOB,"
                 " UNIQUE (originator_id, originator_version))")
    gc.collect()
    started = time.perf_counter()
    for originator_id, version, topic, state in records:
        conn.execute("BEGIN")
        conn.execute(f"INSERT INTO {table} (originator_id, originator_version, topic, state) VALUES (?, ?, ?, ?)",
                     (str(originator_id), version, topic, state))
        conn.execute("COMMIT")
    seconds = time.perf_counter() - started
    conn.execute(f"DROP TABLE {table}")
    conn.close()
    return len(records) / seconds


# -- one store -----------------------------------------------------------------------------------------


@dataclass
class Store:
    name: str  # SQLite or PostgreSQL
    settings: Settings
    folder: Path  # data dir (SQLite file, dev signing key)
    url: str | None = None
    app: Any = None
    org_ids: list[str] = field(default_factory=list)  # active organizations of 渝中区 (the tokens' district)
    domain_rate: float = 0.0
    rebuild_peak_kb: int | None = None  # the rebuilding processes' peak resident memory

    def server_env(self) -> dict[str, str]:
        env = {"LIANJIAN_DATA_DIR": str(self.folder), "LIANJIAN_DEV_MODE": "true",
               "LIANJIAN_EMBEDDED_PROJECTIONS": "false"}
        if self.url:
            env["LIANJIAN_DATABASE_URL"] = self.url
        return env


def fill(store: Store, scale: Scale, report: Report) -> None:
    say(f"{store.name}: recording {scale.describe()}")
    store.app = open_application(store.settings)
    generated = record(store.app, scale, report=say)
    store.org_ids = generated.active_in.get("yuzhong", [])
    report.add(Row("Recording", f"generator, {generated.events:,} events ({store.name})",
                   generated.events / generated.seconds, "events/s", "—", None,
                   f"{generated.seconds:.0f} s, cohorts of 500 organizations saved a year at a time"))


def settle(stores: list[Store]) -> None:
    """Leave no deferred work in the stores to land on the next timed phase: on PostgreSQL, VACUUM ANALYZE
    (else autovacuum wakes after a phase that wrote a million rows and takes its CPU from the next one)
    and a CHECKPOINT; on SQLite, a checkpoint that empties the WAL."""
    for store in stores:
        say(f"{store.name}: settling the store (vacuum, checkpoint) before the next timed phase")
        if store.url:
            with psycopg.connect(store.url, autocommit=True) as conn:
                conn.execute("VACUUM (ANALYZE)")
                conn.execute("CHECKPOINT")
        else:
            with closing(sqlite3.connect(store.folder / SQLITE_FILE, timeout=60)) as conn:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()


def commands(store: Store, sizes: Sizes, report: Report) -> None:
    n = sizes.commands
    say(f"{store.name}: {n} commands through the domain service, cold and warm, the bare application and raw inserts")
    # Cold: a freshly started application, each organization's first command since the start.
    cold_app = open_application(store.settings)
    domain_commands(cold_app, store.org_ids[-50:], 50, seed=1)  # imports, pool, statements
    cold, _ = domain_commands(cold_app, store.org_ids[:-50], n, seed=5, distinct=True)
    cold_app.close()
    # Warm: a server that has been running, every organization in its aggregate cache.
    for org_id in store.org_ids:
        store.app.organization(org_id)
    env = eventsourcing_env(store.settings)
    rate, bare, before = warm_and_bare(store.app, store.org_ids, env, n, seed=2)
    store.domain_rate = rate
    records = stored_after(store.app, before, n)
    if store.url:
        floor, floor_name = raw_postgres_inserts(store.url, records), "psycopg: 1 INSERT per transaction"
    else:
        floor, floor_name = raw_sqlite_inserts(env["SQLITE_DBNAME"], records), "sqlite3: 1 INSERT per transaction"
    what = f"domain service, countPartyMembers, warm ({store.name})"
    report.add(Row("Commands", what, rate, "cmd/s", "plain eventsourcing app, bare aggregate", bare,
                   "every organization in the aggregate cache, as in a running server"))
    report.add(Row("Commands", what, rate, "cmd/s", floor_name + " (same bytes)", floor))
    report.add(Row("Commands", f"domain service, countPartyMembers, cold ({store.name})", cold, "cmd/s",
                   "plain eventsourcing app, bare aggregate", bare,
                   "a fresh start: each organization's first command, its whole history read"))
    where_a_command_goes(store, report)


def stack_floor(store: Store, sizes: Sizes, report: Report) -> None:
    """The same requests answered by the stack alone (bench/stack_floor.py): the most any server on FastAPI,
    Strawberry and uvicorn could answer these clients, beside the domain service as the rows below are."""
    server, url = start_stack_floor()
    try:
        for clients, each in sizes.http.items():
            say(f"{store.name}: the stack alone, an empty mutation, {clients} client(s) x {each}")
            run, cpu = closed_commands(url, "-", store.org_ids, clients, each, server.pid)
            assert not run.errors, run.errors
            report.add(Row("GraphQL", f"the stack alone: an empty mutation, {clients} client"
                           f"{'s' if clients > 1 else ''} ({store.name})", run.rate, "cmd/s",
                           "domain service, same store, in process", store.domain_rate,
                           f"FastAPI, Strawberry (its parser and validation caches) and uvicorn answering the same"
                           f" requests with nothing recorded: the ceiling of the row below; p50"
                           f" {percentile(run.latencies, 0.5) * 1000:.1f} ms; the server's CPU {cpu:.2f} ms a request"))
    finally:
        server.terminate()
        server.wait(timeout=30)


def http_commands(store: Store, sizes: Sizes, report: Report, server_url: str, token: str, server_pid: int) -> None:
    ids = store.org_ids
    say(f"{store.name}: warming the server's aggregate cache, one command on each of {len(ids):,} organizations")
    warm_cache(server_url, token, ids)
    for clients, each in sizes.http.items():
        say(f"{store.name}: GraphQL over HTTP, {clients} client(s) x {each} commands")
        run, cpu = closed_commands(server_url, token, ids, clients, each, server_pid)
        errors = ", ".join(f"{v} {k}" for k, v in run.errors.items())
        note = (f"p50 {percentile(run.latencies, 0.5) * 1000:.1f} ms, p99 {percentile(run.latencies, 0.99) * 1000:.1f} ms;"
                f" the server's CPU {cpu:.2f} ms a command"
                + (f"; errors: {errors}" if errors else ""))
        ok = len(run.latencies) - sum(run.errors.values())
        report.add(Row("GraphQL", f"countPartyMembers over HTTP, {clients} client{'s' if clients > 1 else ''}"
                       f" ({store.name})", ok / run.seconds, "cmd/s", "domain service, same store, in process",
                       store.domain_rate, note))
        saturated = run
    # Latency as users see it: the same 32 clients sending at a steady share of what saturated the server.
    # This process holds the whole store's objects: frozen out of its collector's scans, so that its own
    # full collections do not stall the clients it times.
    gc.collect()
    gc.freeze()
    clients, each = max(sizes.http.items())
    for share in (0.5, 0.8):
        rate = share * saturated.rate
        each = max(each, int(rate * 5 / clients))  # about five seconds of it at least
        # The same run three times, each after a pause: on this machine one run in a few is far slower
        # than its neighbours for reasons outside the server (its own p99 stays low). The middle run is
        # the figure; every run's p99 is in the note.
        runs = []
        for attempt in range(PACED_RUNS):
            say(f"{store.name}: GraphQL over HTTP, {clients} clients paced at {rate:.0f} commands a second"
                f" ({attempt + 1} of {PACED_RUNS})")
            time.sleep(PACED_PAUSE)
            runs.append(paced_run(server_url, token, ids, clients, each, rate))
        runs.sort(key=lambda r: r.p99)
        middle = runs[len(runs) // 2]
        run, p99 = middle.run, middle.p99
        first, second = run.halves_p50()
        errors = ", ".join(f"{v} {k}" for k, v in run.errors.items())
        report.add(Row("Latency", f"countPartyMembers p99, {clients} clients sending {share:.0%} of the saturated"
                       f" rate ({store.name})", p99, "ms", f"the same {clients} clients unpaced (saturated)",
                       percentile(saturated.latencies, 0.99) * 1000,
                       middle_of_runs(p99, [r.p99 for r in runs]) + f"; {rate:.0f} cmd/s,"
                       f" {len(run.latencies):,} commands a run;"
                       f" p50 {percentile(run.latencies, 0.5) * 1000:.1f} ms (due in the run's first half"
                       f" {first * 1000:.1f} ms, second half {second * 1000:.1f} ms"
                       f"{': the queue grew' if second > max(2 * first, 0.010) else ''});"
                       f" the server's own p99 ≤ {middle.server_p99:g} ms"
                       f" (its histogram's bucket); the server's full collections meanwhile:"
                       f" {middle.collections:.0f}, {middle.paused * 1000:.0f} ms in all"
                       + (f"; errors: {errors}" if errors else "")))
    gc.unfreeze()
    say(f"{store.name}: {sizes.commands} commands through the served application called in this process")
    served = store.settings.model_copy(update={"dev_mode": True, "embedded_projections": False})
    report.add(Row("GraphQL", f"countPartyMembers through the ASGI app in process, no sockets ({store.name})",
                   asgi_commands(served, token, ids, sizes.commands), "cmd/s", "domain service, same store, in process",
                   store.domain_rate, "FastAPI, Strawberry and the resolver's checks without HTTP: the most one"
                   " server process could answer, whatever the client"))


PACED_RUNS = 3
PACED_PAUSE = 2.0  # seconds between paced runs: the last run's stragglers and the machine settle


def middle_of_runs(p99: float, p99s: list[float]) -> str:
    """A paced row's note: the goal, and every run's p99 beside the middle one's, the row's figure."""
    return (f"goal < 50 ms: {'ok' if p99 < 50 else 'NOT MET'}; the middle of {len(p99s)} runs, whose p99s were"
            f" {', '.join(f'{value:.1f}' for value in sorted(p99s))} ms")


@dataclass
class PacedRun:
    run: ClientRun
    p99: float  # ms, as the clients saw it
    server_p99: float  # ms, the bound of the server's own histogram bucket
    collections: float  # the server's full garbage collections meanwhile, and their pause
    paused: float


def paced_run(server_url: str, token: str, ids: list[str], clients: int, each: int, rate: float) -> PacedRun:
    """``clients`` clients sending ``rate`` commands a second together (Poisson), with what the server
    saw of them from its own metrics."""
    before = server_metrics(server_url)
    run = thread_clients(server_url, token, clients, each, lambda k, i: count_body(
        ids[(k * 7 + i * clients) % len(ids)], i % 9 + 1), rate=rate)
    after = server_metrics(server_url)
    server_p99 = histogram_quantile(server_histogram(server_url, before), server_histogram(server_url, after),
                                    0.99) * 1000
    (collections, paused), (collections_after, paused_after) = server_gc_pauses(before), server_gc_pauses(after)
    return PacedRun(run, percentile(run.latencies, 0.99) * 1000, server_p99, collections_after - collections,
                    paused_after - paused)


# -- views ---------------------------------------------------------------------------------------------


def view_rates(store: Store, sizes: Sizes, report: Report) -> None:
    app = store.app
    stop = min(sizes.slice, app.head_position()) if sizes.slice else app.head_position()
    say(f"{store.name}: each view's catch-up over the first {stop:,} events, beside a bare loop")
    for view_class in ALL_VIEWS:
        prefix = f"b{uuid.uuid4().hex[:6]}_"
        gc.collect()
        count, seconds = bare_loop(app, 1000, stop=stop)
        floor = count / seconds
        gc.collect()
        # Over the same events of the log: those no view of it handles are passed over undecoded.
        _, seconds = catch_up_rate(app, view_class(prefix), 1000, until=stop)
        report.add(Row("Views", f"catch-up {view_class.name}, {count:,} events", count / seconds, "events/s",
                       "bare read-and-decode loop, same events", floor))
    report.note("Views", "The catch-ups, the rebuilds and the bare loops beside them all run with Python's garbage"
                         " collector paused, as `lianjian project` and `lianjian rebuild` do (projections/runtime/collector.py).")


def full_rebuild(store: Store, report: Report) -> None:
    """Every view rebuilt from the whole log by `lianjian rebuild` (one pass, then each swapped in), first
    in one process, then with --jobs 2 (two processes side by side, each a share of the organizations);
    the peak memory of the processes."""
    app = store.app
    head = app.head_position()
    say(f"{store.name}: bare read-and-decode loop over all {head:,} events")
    gc.collect()
    count, seconds = bare_loop(app, 1000)
    floor = count / seconds
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIANJIAN_")}
    env.update({k: v for k, v in store.server_env().items() if k != "LIANJIAN_DEV_MODE"})
    names = [v.name for v in ALL_VIEWS]
    peak_kb = 0
    for jobs in (1, 2):
        say(f"{store.name}: lianjian rebuild --jobs {jobs}")
        out = tempfile.TemporaryFile()
        started = time.perf_counter()
        worker = subprocess.Popen([sys.executable, "-m", "gateway", "rebuild", "--jobs", str(jobs)], cwd=ROOT,
                                  env=env, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(worker.pid, 0)  # its usage includes its own children's (the shares')
        seconds = time.perf_counter() - started
        peak_kb = max(peak_kb, usage.ru_maxrss)
        if os.waitstatus_to_exitcode(status) != 0:
            out.seek(0)
            raise RuntimeError(f"the rebuild failed: {out.read().decode(errors='replace')[-2000:]}")
        positions = {ViewDatabase(app).position(name) for name in names}
        label = "one process" if jobs == 1 else f"--jobs {jobs}, processes side by side"
        per_million = seconds * 1_000_000 / count
        report.add(Row("Views", f"full rebuild, all {len(names)} views, {count:,} events, {label} ({store.name})",
                       count / seconds, "events/s", "bare read-and-decode loop, same events", floor,
                       f"{seconds:.0f} s, {per_million:.0f} s a million (goal < 60 s:"
                       f" {'ok' if per_million < 60 else 'NOT MET'}); every view at position"
                       f" {max(positions):,}" + ("" if len(positions) == 1 else " (NOT ALL)")))
    store.rebuild_peak_kb = peak_kb


PROFILE_GROUPS = [
    # (label, file suffix, function): the cumulative time of these, as a share of the whole catch-up
    ("reading: select_notifications (SQL, rows to objects)", ("eventsourcing/postgres.py", "eventsourcing/sqlite.py"),
     "select_notifications"),
    ("decoding: the mapper's to_domain_event (JSON, event objects)", ("domain/event_reading.py",), "_decoded"),
    ("aggregate states as of each event (the domain's mutators)", ("projections/runtime/states.py",), "advance"),
    ("view handlers (rows built, upserts buffered, reads)", ("projections/views/base.py",), "apply"),
]


def where_the_time_goes(store: Store, sizes: Sizes, report: Report) -> None:
    """cProfile of every view catching up from nothing over a slice of the log, in this process."""
    app = store.app
    stop = min(sizes.slice, app.head_position()) if sizes.slice else app.head_position()
    say(f"{store.name}: profiling every view's catch-up over {stop:,} events")
    from projections.runtime.runner import ViewRunner

    runner = ViewRunner(app, all_views(f"p{uuid.uuid4().hex[:6]}_"), batch_size=1000)
    profile = cProfile.Profile()
    gc.collect()
    profile.enable()
    started = time.perf_counter()
    runner.catch_up(until=stop)
    total = time.perf_counter() - started
    profile.disable()
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]

    def cumulative(paths: tuple[str, ...], name: str) -> float:
        return sum(v[3] for (filename, _, function), v in stats.items()
                   if function == name and filename.endswith(paths))

    whole = cumulative(("projections/runtime/runner.py",), "catch_up")
    shares = {label: cumulative(paths, name) for label, paths, name in PROFILE_GROUPS}
    # Buffered rows written at the end of each batch (Tx.flush from the transaction's end and tracking);
    # flushes from a handler's own reads are inside the handlers' share already.
    batch_end = 0.0
    for (filename, _, function), v in stats.items():
        if function == "flush" and filename.endswith("projections/runtime/db.py"):
            batch_end += sum(c[3] for (f, _, fn), c in v[4].items() if fn in ("transaction", "track"))
    shares["writing the batch's rows (Tx.flush at the batch's end: rows built, COPY or executemany)"] = batch_end
    section = "Where a rebuild's time goes"
    report.note(section, f"cProfile of all {len(ALL_VIEWS)} views catching up from nothing over {stop:,} events in"
                         f" one process ({total:.1f} s with the profiler on, which inflates Python-heavy parts);"
                         " shares of the profiled time:")
    report.note(section, "")
    for label, seconds in shares.items():
        report.note(section, f"- {label}: {seconds / whole:.0%}")
    rest = whole - sum(shares.values())
    report.note(section, f"- the rest (the runner's loop, commits, tracking): {max(0.0, rest) / whole:.0%}")
    # The handlers' share, by view module and by handler: which views cost the most.
    by_module: dict[str, float] = {}
    by_handler: dict[str, float] = {}
    for (filename, _, function), v in stats.items():
        called = sum(c[3] for (f, _, fn), c in v[4].items() if fn == "apply" and f.endswith("projections/views/base.py"))
        if called and filename != "~":
            module = Path(filename).name
            by_module[module] = by_module.get(module, 0.0) + called
            by_handler[f"{module}:{function}"] = called
    report.note(section, "")
    report.note(section, "The handlers' share by view module: " + ", ".join(
        f"{m} {t / whole:.0%}" for m, t in sorted(by_module.items(), key=lambda i: -i[1])) + ".")
    report.note(section, "The costliest handlers: " + ", ".join(
        f"`{h}` {t / whole:.0%}" for h, t in sorted(by_handler.items(), key=lambda i: -i[1])[:6]) + ".")
    report.note(section, "")
    report.note(section, "How a batch is applied: up to 10,000 events are worked out in memory first, each row"
                         " merged from every event that touched it and rows built from an aggregate's state once per batch;"
                         " then one short transaction writes them (PostgreSQL: COPY into a temporary table and one"
                         " INSERT … ON CONFLICT per table) with the views' positions.")


def where_a_command_goes(store: Store, report: Report, n: int = 300) -> None:
    """cProfile of domain commands (after the measured ones): loading, deciding, saving."""
    profile = cProfile.Profile()
    gc.collect()
    profile.enable()
    started = time.perf_counter()
    domain_commands(store.app, store.org_ids, n, seed=4)
    total = time.perf_counter() - started
    profile.disable()
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]

    def cumulative(path: str, name: str) -> float:
        return sum(v[3] for (f, _, fn), v in stats.items() if fn == name and f.endswith(path))

    whole = cumulative("domain/command_runner.py", "_run")
    load = cumulative("domain/command_runner.py", "_get")  # a copy from the aggregate cache, or the store's events
    save = cumulative("domain/saving.py", "save")  # Supervision's own save
    insert = cumulative("eventsourcing/sqlite.py", "insert_events") + cumulative("eventsourcing/postgres.py",
                                                                                 "insert_events")
    copies = cumulative("copy.py", "deepcopy")
    section = "Where a command's time goes"
    report.note(section, f"- {store.name}, cProfile of {n} commands ({total:.1f} s profiled): loading the organization"
                         f" {load / whole:.0%} (of which copying it out of the aggregate cache {copies / whole:.0%}),"
                         f" saving its event {save / whole:.0%} (of which the INSERT and commit {insert / whole:.0%}),"
                         f" the rest (context, decision, receipt checks) {max(0.0, whole - load - save) / whole:.0%}.")


# -- queries -------------------------------------------------------------------------------------------


def queries(store: Store, sizes: Sizes, report: Report, server_url: str, token: str) -> None:
    app = store.app
    db = ViewDatabase(app)
    registry, street_view = CivilAffairsRegistry(), StreetOfficeView()
    orgs = registry.t("organizations")
    with db.transaction(commit=False) as tx:
        ids = [r["org_id"] for r in tx.rows(f"SELECT org_id FROM {orgs} WHERE district = 'yuzhong' ORDER BY org_id")]
        streets = [r["street"] for r in tx.rows(f"SELECT DISTINCT street FROM {orgs} WHERE district = 'yuzhong'")]
        total = tx.row(f"SELECT COUNT(*) AS n FROM {orgs}")["n"]
    rng = random.Random(7)
    n = sizes.queries
    org_picks = [rng.choice(ids) for _ in range(n)]
    street_picks = [rng.choice(streets) for _ in range(n)]
    filters = [{"name": rng.choice(SEARCH_WORDS), **({"street": rng.choice(streets)} if i % 2 else {"status": "registered"})}
               for i in range(n)]

    def sql_org(i: int) -> None:
        with db.transaction(commit=False) as tx:
            tx.row(f"SELECT * FROM {orgs} WHERE org_id = ?", (org_picks[i],))

    def sql_street(i: int) -> None:
        with db.transaction(commit=False) as tx:
            tx.row(f"SELECT district FROM {orgs} WHERE street = ? LIMIT 1", (street_picks[i],))
            street_view.overview(tx, street_picks[i], 2026, date(2026, 11, 26))

    def sql_search(i: int) -> None:
        f = filters[i]
        where, params = ["district = ?"], ["yuzhong"]
        for column in ("street", "status"):
            if column in f:
                where.append(f"{column} = ?")
                params.append(f[column])
        where.append("name LIKE ?")
        params.append(f"%{f['name']}%")
        condition = " AND ".join(where)
        with db.transaction(commit=False) as tx:
            tx.row(f"SELECT COUNT(*) AS n FROM {orgs} WHERE {condition}", params)
            tx.rows(f"SELECT * FROM {orgs} WHERE {condition} ORDER BY name, org_id LIMIT ?", [*params, 21])

    history = EventHistoryView().t("events")

    def sql_history(i: int) -> None:
        with db.transaction(commit=False) as tx:
            tx.row(f"SELECT * FROM {orgs} WHERE org_id = ?", (org_picks[i],))
            tx.rows(f"SELECT * FROM {history} WHERE org_id = ? ORDER BY position LIMIT ?", (org_picks[i], 21))

    kinds = [
        ("organization(id)", sql_org, lambda k, i: json.dumps({"query": ORG_QUERY, "variables": {"id": org_picks[i]}})),
        ("streetOverview(street)", sql_street,
         lambda k, i: json.dumps({"query": STREET_QUERY, "variables": {"street": street_picks[i]}})),
        ("organizations(filter) search, first 20", sql_search,
         lambda k, i: json.dumps({"query": SEARCH_QUERY, "variables": {"f": filters[i]}})),
        ("organizationHistory(id), first 20 (extra)", sql_history,
         lambda k, i: json.dumps({"query": HISTORY_QUERY, "variables": {"id": org_picks[i]}})),
    ]
    report.note("Queries", f"{store.name}, {total:,} organizations in the registry view; the caller is 渝中区's"
                           f" civil affairs officer (ca-zhang), one client, {n} of each")
    for name, in_process, body in kinds:
        say(f"{store.name}: {n} x {name}, over HTTP and as SQL in process")
        for i in range(min(20, n)):
            in_process(i)
        local = []
        for i in range(n):
            started = time.perf_counter()
            in_process(i)
            local.append(time.perf_counter() - started)
        run = thread_clients(server_url, token, 1, n, body)
        if run.errors:
            raise RuntimeError(f"{name}: {run.errors}")
        for share in (0.5, 0.99):
            report.add(Row("Queries", f"{name}, p{int(share * 100)} over HTTP ({store.name})",
                           percentile(run.latencies, share) * 1000, "ms", "the same SQL in process (ViewDatabase)",
                           percentile(local, share) * 1000))
    mixed_queries(store, report, server_url, token, [(name, body) for name, _, body in kinds[:3]], n)
    report.note("Queries", "")
    report.note("Queries", "Where a ratio is near 1 the time is the SQL's own. The street office's tables are indexed by"
                           " street (funding and payments by street and year), the event history and the other views'"
                           " tables that are looked up by organization by `org_id`.")


def mixed_queries(store: Store, report: Report, server_url: str, token: str,
                  kinds: list[tuple[str, Callable[[int, int], str]]], n: int, clients: int = 32) -> None:
    """The three queries, mixed, from ``clients`` clients: first each sending its next when the last is
    answered (saturated), then together at 50% and 80% of that rate (Poisson, latency from when a request
    was due), three runs each, the middle one's p99 the figure, as for the commands."""
    def kind_of(k: int, i: int) -> int:  # client k's i-th request: each client goes round the kinds
        return (k + i) % len(kinds)

    def body(k: int, i: int) -> str:
        return kinds[kind_of(k, i)][1](k, (k * 7 + i) % n)

    say(f"{store.name}: the three queries mixed, {clients} clients, saturated")
    saturated = thread_clients(server_url, token, clients, max(6, n // clients), body)
    if saturated.errors:
        raise RuntimeError(f"mixed queries: {saturated.errors}")
    for share in (0.5, 0.8):
        rate = share * saturated.rate
        runs = []
        for attempt in range(PACED_RUNS):
            say(f"{store.name}: the three queries mixed, {clients} clients paced at {rate:.0f} a second"
                f" ({attempt + 1} of {PACED_RUNS})")
            time.sleep(PACED_PAUSE)
            run = thread_clients(server_url, token, clients, max(6, int(rate * 5 / clients)), body, rate=rate)
            if run.errors:
                raise RuntimeError(f"mixed queries: {run.errors}")
            runs.append((percentile(run.latencies, 0.99) * 1000, run))
        runs.sort(key=lambda r: r[0])
        p99, run = runs[len(runs) // 2]
        by_kind = {name: [latency for latency, sent in zip(run.latencies, run.sent, strict=True)
                          if kind_of(*sent) == j] for j, (name, _) in enumerate(kinds)}
        report.add(Row("Queries", f"the three queries mixed, p99, {clients} clients sending {share:.0%} of the"
                       f" saturated rate ({store.name})", p99, "ms", f"the same {clients} clients unpaced (saturated)",
                       percentile(saturated.latencies, 0.99) * 1000,
                       middle_of_runs(p99, [r[0] for r in runs]) + f"; {rate:.0f} queries a second"
                       f" ({saturated.rate:.0f} saturated), {len(run.latencies):,} a run; p50"
                       f" {percentile(run.latencies, 0.5) * 1000:.1f} ms; p99 by query: " + ", ".join(
                           f"{name.split('(')[0]} {percentile(latencies, 0.99) * 1000:.1f} ms"
                           for name, latencies in by_kind.items())))


# -- the run -------------------------------------------------------------------------------------------


def run(scale: Scale, sizes: Sizes, stores: list[str], report: Report) -> dict[str, str]:
    work = Path(tempfile.mkdtemp(prefix="lianjian-bench-"))
    opened: list[Store] = []
    with ExitStack() as cleanup:
        pg_version = "—"
        if "postgres" in stores:
            url = cleanup.enter_context(bench_database(durable=True))
            with psycopg.connect(url) as conn:
                pg_version = str(conn.execute("SHOW server_version").fetchone()[0])
        info = machine(pg_version)
        say("machine: " + ", ".join(f"{k} {v}" for k, v in info.items()))
        print(f"\n{'measure':<54}{'figure':>10} {'unit':<9}| {'baseline':<44}{'baseline':>10} | ratio")
        # Closed before the database's server stops (an exit stack unwinds last-in, first-out).
        cleanup.callback(lambda: [store.app.close() for store in opened if store.app is not None])
        if "sqlite" in stores:
            folder = work / "sqlite"
            opened.append(Store("SQLite", Settings(data_dir=folder, dev_mode=True), folder))
        if "postgres" in stores:
            folder = work / "postgres"
            folder.mkdir(parents=True)
            opened.append(Store("PostgreSQL", Settings(database_url=url, data_dir=folder, dev_mode=True), folder, url))

        for store in opened:
            fill(store, scale, report)
        settle(opened)
        for store in opened:
            commands(store, sizes, report)
        for store in opened:
            settle(opened)
            token = DevTokenIssuer(store.folder).issue("party-liu", lifetime=6 * 3600)
            server, server_url = start_server(store.server_env())
            try:
                stack_floor(store, sizes, report)
                idle = rss_kb(server.pid, "VmRSS")
                http_commands(store, sizes, report, server_url, token, server.pid)
                full_rebuild(store, report)  # the embedded default and production alike
                if store.url:
                    settle([store])
                    view_rates(store, sizes, report)
                    where_the_time_goes(store, sizes, report)
                    reader = DevTokenIssuer(store.folder).issue("ca-zhang", lifetime=6 * 3600)
                    queries(store, sizes, report, server_url, reader)
                peak = rss_kb(server.pid)
            finally:
                server.terminate()
                server.wait(timeout=30)
            report.add(Row("Memory", f"server peak RSS after the above ({store.name})", peak / 1024, "MiB",
                           "the same server right after start", idle / 1024))
            if store.rebuild_peak_kb is not None:
                report.add(Row("Memory", f"rebuilding process peak RSS ({store.name})", store.rebuild_peak_kb / 1024,
                               "MiB", "the server right after start", idle / 1024))
        return info


def summary(report: Report) -> list[str]:
    """The run in a few lines, from its rows."""
    def rows(section: str, *words: str) -> list[Row]:
        return [r for r in report.rows if r.section == section and all(w in r.what for w in words)]

    def kind(row: Row) -> str:
        return row.what.split(" (")[0].split(", ", 1)[-1]

    lines = []
    for store in ("SQLite", "PostgreSQL"):
        domain = rows("Commands", f"({store})")
        if len(domain) == 3 and all(r.ratio is not None for r in domain):
            warm, floor, cold = domain
            lines.append(f"- Commands through the domain service on {store}: {fmt(warm.figure)} a second with a warm"
                         f" aggregate cache, {warm.ratio:.2f} of a plain eventsourcing application with a bare aggregate"
                         f" and {floor.ratio:.2f} of the database's floor (one INSERT per transaction); {fmt(cold.figure)}"
                         f" a second cold ({cold.ratio:.2f}).")
        http = [r for r in rows("GraphQL", f"({store})") if "over HTTP" in r.what]
        asgi = [r for r in rows("GraphQL", f"({store})") if "ASGI" in r.what]
        alone = [r for r in rows("GraphQL", f"({store})") if "stack alone" in r.what]
        if http:
            lines.append(f"- Through GraphQL over HTTP on {store}: " + ", ".join(
                f"{fmt(r.figure)} a second with {kind(r).removeprefix('over HTTP, ')} ({r.ratio:.2f})" for r in http)
                + " of the domain service's rate" + "".join(
                f"; the served application called in process, with no HTTP at all: {fmt(r.figure)} a second"
                f" ({r.ratio:.2f})" for r in asgi) + (
                "; the stack alone (FastAPI, Strawberry, uvicorn) answering an empty mutation: " + ", ".join(
                    f"{fmt(r.figure)} ({r.ratio:.2f})" for r in alone) + " with as many clients" if alone else "")
                + ".")
    for store in ("SQLite", "PostgreSQL"):
        paced = rows("Latency", f"({store})")
        if paced:
            lines.append(f"- p99 with 32 clients on {store}: " + ", ".join(
                f"{fmt(r.figure)} ms sending {r.what.split('sending ')[1].split(' of')[0]} of the saturated rate"
                for r in paced) + f"; {fmt(paced[0].base)} ms saturated (every client waiting on the last answer)."
                " Goal: under 50 ms.")
    for r in rows("Views", "full rebuild"):
        seconds = 1_000_000 / r.figure
        verdict = "met" if seconds < 60 else f"not met, by a factor of {seconds / 60:.1f}"
        label = r.what.split(" events, ")[1].split(" (")[0]
        store = r.what.rsplit("(", 1)[1].rstrip(")")
        lines.append(f"- A full rebuild of every view on {store} with {label}: {fmt(r.figure)} events a second, {r.ratio:.2f} of"
                     f" the bare read-and-decode loop; at that rate a million events take about {seconds:,.0f} s: the goal"
                     f" of 60 s is {verdict}.")
    p50 = rows("Queries", "p50")
    if p50:
        p99 = {r.what.replace("p99", "p50"): r for r in rows("Queries", "p99") if "mixed" not in r.what}
        lines.append("- Queries, p50 / p99 over HTTP: " + "; ".join(
            f"{r.what.split(', p50')[0]}: {fmt(r.figure)} / {fmt(p99[r.what].figure) if r.what in p99 else '—'} ms"
            for r in p50) + ".")
    for store in ("SQLite", "PostgreSQL"):
        mixed = rows("Queries", "mixed", f"({store})")
        if mixed:
            lines.append(f"- The three queries mixed, 32 clients on {store}: p99 " + ", ".join(
                f"{fmt(r.figure)} ms sending {r.what.split('sending ')[1].split(' of')[0]}" for r in mixed)
                + f" of the saturated rate; {fmt(mixed[0].base)} ms saturated. Goal: under 50 ms.")
    memory = rows("Memory")
    if memory:
        lines.append("- Peak memory: " + "; ".join(f"{r.what.replace(' after the above', '')} {fmt(r.figure)} MiB"
                                                   for r in memory) + ".")
    return lines


def markdown(info: dict[str, str], scale: Scale, sizes: Sizes, report: Report, seconds: float, command: str) -> str:
    lines = [
        "# Benchmarks",
        "",
        f"Measured by `{command}` (bench/__main__.py) in {seconds / 60:.0f} minutes. Every figure stands beside a",
        "baseline measured in the same run on the same machine; ratio = figure / baseline (for latency and memory,",
        "above 1 means slower or larger than the baseline). Absolute figures move with the machine's load; the",
        "ratios hold better. Regenerate with `.venv/bin/python -m bench` (the city; `--quick` for a smoke run).",
        "",
        "## Machine",
        "",
        "| | |",
        "|---|---|",
        *(f"| {k} | {v} |" for k, v in info.items()),
        "",
        f"Data: {scale.describe()}, generated by `bench/scale.py` (bench/district.py). PostgreSQL: a private",
        "server with PostgreSQL's durable defaults (fsync and synchronous commit on); SQLite: the library's WAL",
        "mode with its default synchronous setting. Commands go to 渝中区's organizations, whose officers the dev",
        "tokens are; one command is one `countPartyMembers` on a random one. Warm: every organization is in the",
        "aggregate cache, as in a server that has been running (the HTTP rows warm the server so first); cold: a",
        "freshly started application, each organization's first command. The server runs as `lianjian serve`.",
        "Before each store's timed phases, and after a rebuild, the stores are settled (`settle`): VACUUM ANALYZE",
        "and CHECKPOINT on PostgreSQL, a checkpoint emptying the WAL on SQLite, so that work deferred by one phase",
        "(autovacuum after a million rows) does not land on the next.",
        "",
    ]
    lines += ["## Summary", "", *summary(report), ""]
    order = ["Recording", "Commands", "GraphQL", "Latency", "Views", "Queries", "Memory"]
    sections: dict[str, list[Row]] = {}
    for row in sorted(report.rows, key=lambda r: order.index(r.section) if r.section in order else len(order)):
        sections.setdefault(row.section, []).append(row)
    titles = {"Recording": "Recording at scale", "Commands": "Commands per second through the domain service",
              "GraphQL": "The same command through GraphQL over HTTP",
              "Latency": "Latency with 32 clients at a steady rate", "Views": "Views: catch-up and a full rebuild",
              "Queries": "Queries at scale", "Memory": "Peak memory"}
    for section, rows in sections.items():
        lines += [f"## {titles.get(section, section)}", "", "| measure | figure | baseline | baseline figure | ratio | note |",
                  "|---|---:|---|---:|---:|---|"]
        for row in rows:
            ratio = f"{row.ratio:.2f}" if row.ratio is not None else "—"
            base = f"{fmt(row.base)} {row.unit}" if row.base is not None else "—"
            lines.append(f"| {row.what} | {fmt(row.figure)} {row.unit} | {row.baseline} | {base} | {ratio} | {row.note} |")
        lines.append("")
        for line in report.notes.get(section, []):
            lines.append(line)
        if report.notes.get(section):
            lines.append("")
    for section, notes in report.notes.items():
        if section not in sections:
            lines += [f"## {section}", "", *notes, ""]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes (under two minutes); writes nothing unless --output")
    parser.add_argument("--scale", help=f"{', '.join(SCALES)} or a number of organizations (default: city; quick: quick)")
    parser.add_argument("--stores", default="sqlite,postgres", help="which stores: sqlite,postgres")
    parser.add_argument("--output", type=Path, help="where to write the markdown (default: docs/benchmarks.md, full runs only)")
    args = parser.parse_args()
    scale = scale_named(args.scale or ("quick" if args.quick else "city"))
    sizes = QUICK if args.quick else FULL
    output = args.output or (None if args.quick else ROOT / "docs" / "benchmarks.md")
    report = Report()
    started, ticks = time.perf_counter(), cpu_ticks()
    info = run(scale, sizes, [s.strip() for s in args.stores.split(",") if s.strip()], report)
    seconds = time.perf_counter() - started
    info["taken by the host"] = stolen(ticks, cpu_ticks())
    say(f"taken by the host: {info['taken by the host']}")
    for section, notes in report.notes.items():
        print(f"\n{section}:")
        for line in notes:
            print(f"  {line}")
    say(f"\nfinished in {seconds / 60:.1f} minutes")
    if output is not None:
        command = "python -m bench" + (" --quick" if args.quick else "") + (f" --scale {args.scale}" if args.scale else "")
        output.write_text(markdown(info, scale, sizes, report, seconds, command), encoding="utf-8")
        say(f"wrote {output}")


if __name__ == "__main__":
    main()
