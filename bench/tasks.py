"""Tasks (督办) at scale: `tasks` and `myTasks` over HTTP beside `me`, and the joint alerts view's catch-up.

    .venv/bin/python -m bench.tasks                                   # the city and 100,000 tasks, both stores
    .venv/bin/python -m bench.tasks --scale quick --tasks 2000 --stores sqlite --requests 60

The city (bench/scale.py: 20,000 organizations over ten districts), then tasks recorded through the domain:
Alert.raise_alert for the rules' departments, due from months past to weeks ahead, a share acknowledged,
assigned to an officer, transferred, helped and resolved, saved a batch at a time as bench/district.py saves
its cohorts. The joint alerts view catches up (timed beside the bare read-and-decode loop over the same events),
then `lianjian serve --dev` answers, from the same clients as bench/__main__.py's (bench/gateway.py):

- `tasks` as 上清寺's street officer (sqs-li: the street's tasks, no join), as 渝中区's civil affairs officer
  (ca-zhang: its department's tasks in the district, through the parties' join), the same with the overdue
  filter, and `myTasks` (ca-zhang's own), each with its counts and without;
- one client's p50 and p99, 32 clients' saturated rate, and the p99 of 32 clients sending 50% of that rate
  (three runs, the middle one), each beside `me` (the token, the policy and the stack, no storage) measured
  the same way in the same run, as a ratio. Goal: p99 under 50 ms for one client and at 50%.

`--explain` prints each query's plan (EXPLAIN QUERY PLAN on SQLite, EXPLAIN ANALYZE on PostgreSQL).
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from uuid import uuid4

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from auth.dev import DevTokenIssuer  # noqa: E402
from bench.__main__ import PACED_PAUSE, PACED_RUNS, Report, Row, Store, middle_of_runs, say, settle  # noqa: E402
from bench.database import bench_database  # noqa: E402
from bench.district import Generated  # noqa: E402
from bench.gateway import start_server, thread_clients  # noqa: E402
from bench.projections import bare_loop, catch_up_rate  # noqa: E402
from bench.scale import SCALES, Scale, record, scale_named  # noqa: E402
from bench.stats import percentile  # noqa: E402
from domain import clock  # noqa: E402
from domain.alerts import RULES_ACTOR, Alert, AlertRule  # noqa: E402
from domain.context import Actor, Context, Department  # noqa: E402
from domain.credit_lists import AbnormalGround, SeriousGround, listing_proposal  # noqa: E402
from gateway.settings import Settings  # noqa: E402
from gateway.storage import open_application  # noqa: E402
from projections.runtime.collector import collector_paused  # noqa: E402
from projections.runtime.db import ViewDatabase  # noqa: E402
from projections.runtime.runner import ViewRunner  # noqa: E402
from projections.views.alerts import AlertsView  # noqa: E402

D = Department
# (rule, the departments it is for, its proposal or None, weight): the rules' own addressees
# (projections/rules/joint.py, tick.py).
RULES = [
    (AlertRule.ANNUAL_REPORT_MISSING, (D.CIVIL_AFFAIRS, D.STREET_OFFICE), None, 30),
    (AlertRule.PARTY_ORGANIZATION_MISSING, (D.PARTY_BUILDING, D.STREET_OFFICE), None, 20),
    (AlertRule.ORGANIZATION_LISTED, (D.STREET_OFFICE,), None, 12),
    (AlertRule.PARTNER_PENALTY, (D.CIVIL_AFFAIRS, D.STREET_OFFICE),
     listing_proposal(AbnormalGround.WARNING_OR_SMALL_FINE), 10),
    (AlertRule.RECTIFICATION_OVERDUE, (D.INSPECTION, D.CIVIL_AFFAIRS, D.STREET_OFFICE),
     listing_proposal(AbnormalGround.RECTIFICATION_OVERDUE), 10),
    (AlertRule.FUNDING_TO_INELIGIBLE, (D.FINANCE, D.CIVIL_AFFAIRS), None, 10),
    (AlertRule.COURT_DISHONEST_DEBTOR, (D.CIVIL_AFFAIRS, D.STREET_OFFICE),
     listing_proposal(SeriousGround.COURT_DISHONEST_DEBTOR), 5),
    (AlertRule.GRADED_ON_SERIOUS_LIST, (D.CIVIL_AFFAIRS,), {"command": "cancel_grade"}, 3),
]
HELPERS = (D.INSPECTION, D.FINANCE, D.PARTY_BUILDING, D.TAX, D.MARKET_REGULATION)
STREET_OFFICER = "sqs-li"  # 上清寺's street office (yuzhong/shangqingsi)
CIVIL_AFFAIRS = "ca-zhang"  # 渝中区's civil affairs
PLACE = ("yuzhong", "shangqingsi")

FIELDS = ("id rule organizationName street status dueOn overdue departments assisting acknowledgedBy"
          " assignees { department username } may")
COUNTS = "counts { total pending overdue unacknowledged }"
ME = "{ me { username department role jurisdiction mayRecord } }"


def task_query(field: str, counts: bool) -> str:
    return (f"query($f: TaskFilter) {{ {field}(filter: $f, first: 20) {{ tasks {{ {FIELDS} }}"
            f" pageInfo {{ hasNextPage endCursor }} {COUNTS if counts else ''} }} }}")


@dataclass(frozen=True)
class Kind:
    name: str
    user: str
    query: str
    filter: dict[str, Any] | None = None

    def body(self) -> str:
        return json.dumps({"query": self.query, "variables": {"f": self.filter} if self.filter else {}})


def kinds() -> list[Kind]:
    found = []
    for counts in (True, False):
        words = "with counts" if counts else "no counts"
        found += [
            Kind(f"tasks, street officer (street), {words}", STREET_OFFICER, task_query("tasks", counts)),
            Kind(f"tasks, civil affairs (district, join), {words}", CIVIL_AFFAIRS, task_query("tasks", counts)),
            Kind(f"tasks, civil affairs, overdue, {words}", CIVIL_AFFAIRS, task_query("tasks", counts),
                 {"overdue": True}),
            Kind(f"myTasks, civil affairs officer, {words}", CIVIL_AFFAIRS, task_query("myTasks", counts)),
        ]
    return found


BASELINE = Kind("me", CIVIL_AFFAIRS, ME)


@dataclass(frozen=True)
class Sizes:
    tasks: int
    requests: int  # one client, each kind
    per_client: int  # 32 clients saturated, each
    clients: int = 32
    paced_runs: int = PACED_RUNS
    paced_seconds: float = 5.0  # each paced run lasts about this long
    pause: float = PACED_PAUSE  # before each paced run
    restarted_events: int = 20_000  # task events a runner started after the city's events applies, timed


FULL = Sizes(tasks=100_000, requests=300, per_client=15)


# -- recording the tasks -----------------------------------------------------------------------------


def officer(department: str, district: str, street: str, rng: random.Random) -> str:
    """The officer a department names to carry a task: the demo's for 上清寺 and 渝中区 (one in four of the
    district's civil affairs tasks to ca-zhang), a made-up one elsewhere."""
    if department == D.STREET_OFFICE:
        return STREET_OFFICER if (district, street) == PLACE else f"{street}-so"
    if department == D.CIVIL_AFFAIRS and district == PLACE[0]:
        return CIVIL_AFFAIRS if rng.random() < 0.25 else f"yuzhong-ca-{rng.randrange(3)}"
    return f"{district}-{department}-{rng.randrange(4)}"


def actor(username: str, department: str) -> Actor:
    return Actor(username, username, Department(department), "officer")


def record_tasks(app: Any, generated: Generated, n: int, today: date, seed: int = 7,
                 batch: int = 500) -> tuple[int, float]:
    """``n`` tasks on the generated organizations, each raised by the rules and worked through some of its
    steps by its departments, saved ``batch`` tasks at a time; the events recorded and the seconds taken."""
    rng = random.Random(seed)
    ids = list(generated.places)
    rules, weights = [r[:3] for r in RULES], [r[3] for r in RULES]
    events, pending = 0, []
    started = time.perf_counter()
    for i in range(n):
        org_id = rng.choice(ids)
        district, street = generated.places[org_id]
        rule, departments, proposal = rng.choices(rules, weights)[0]
        raised = today - timedelta(days=rng.randrange(0, 240))
        due = raised + timedelta(days=rng.randrange(5, 45))  # from months past to weeks ahead
        message = f"基准测试督办事项{i}"
        alert = Alert.raise_alert(Context(RULES_ACTOR, message, raised), rule=rule, subject=f"bench-{i}",
                                  organization_id=org_id, message=message, departments=list(departments),
                                  causes=[uuid4().hex], proposal=proposal, due_on=due)

        def by(department: str, days: int) -> Context:
            on = min(today, raised + timedelta(days=days))
            return Context(actor(officer(department, district, street, rng), department), "基准测试", on)

        owner = rng.choice(departments)
        fate = rng.random()
        if fate < 0.55:  # acknowledged, and most of those assigned
            alert.acknowledge(by(owner, 1))
            if rng.random() < 0.7:
                alert.assign(by(owner, 2), assignee=officer(owner, district, street, rng))
        if rng.random() < 0.05:  # helped by another department
            helper = rng.choice([h for h in HELPERS if h not in departments])
            alert.request_assistance(by(owner, 3), department=helper, note="请协助核查")
        if rng.random() < 0.04:  # transferred to a department not yet on it
            to = rng.choice([h for h in HELPERS if h not in alert.departments and h not in alert.assisting])
            alert.transfer(by(owner, 3), to=to, reason="职责调整")
        if fate < 0.30:  # resolved, by one that still owns it
            alert.resolve(by(rng.choice(alert.departments), 4), resolution="已办结")
        pending.append(alert)
        if len(pending) >= batch or i == n - 1:
            events += sum(len(a.pending_events) for a in pending)
            app.save(*pending)
            pending = []
    return events, time.perf_counter() - started


# -- one store ---------------------------------------------------------------------------------------


def prepare(store: Store, scale: Scale, sizes: Sizes, report: Report) -> None:
    """The city, the tasks, and the joint alerts view caught up: first over the city's events, then over
    the tasks', each beside the bare loop over the same events."""
    say(f"{store.name}: recording {scale.describe()}")
    store.app = app = open_application(store.settings)
    generated = record(app, scale, report=say)
    first = app.head_position() + 1
    say(f"{store.name}: recording {sizes.tasks:,} tasks")
    events, seconds = record_tasks(app, generated, sizes.tasks, clock.today())
    report.add(Row("Recording", f"{sizes.tasks:,} tasks, {events:,} events ({store.name})", events / seconds,
                   "events/s", "—", None, f"{seconds:.0f} s; the city before them: {generated.events:,} events"))
    settle([store])
    # One runner over the whole log, as a rebuild: the city's events, then the tasks'.
    runner = ViewRunner(app, [AlertsView()], batch_size=1000)
    for label, start, until in (("the city's events", 1, first - 1), ("the tasks' events", first, None)):
        say(f"{store.name}: the joint alerts view over {label}, and the bare loop")
        gc.collect()
        count, bare = bare_loop(app, 1000, stop=until, start=start)
        gc.collect()
        began = time.perf_counter()
        with collector_paused():
            runner.catch_up(until=until)
        took = time.perf_counter() - began
        report.add(Row("Views", f"catch-up joint_alerts, {label}, {count:,} (one runner, {store.name})",
                       count / took, "events/s", "bare read-and-decode loop, same events", count / bare,
                       f"{took:.1f} s; as a rebuild: one runner from the first event"))
    # A worker started anew (a deploy, a restart) behind task events: its runner holds no organization yet.
    restarted = AlertsView("restarted_")
    ViewRunner(app, [restarted], batch_size=1000).catch_up(until=first - 1)
    until = min(app.head_position(), first + sizes.restarted_events - 1)
    count, bare = bare_loop(app, 1000, stop=until, start=first)
    applied, took = catch_up_rate(app, restarted, 1000, until=until)
    report.add(Row("Views", f"catch-up joint_alerts, the first {count:,} of the tasks' events (a runner started"
                   f" after the city's, {store.name})", count / took, "events/s",
                   "bare read-and-decode loop, same events", count / bare, f"{took:.1f} s"))
    settle([store])


def measure(store: Store, sizes: Sizes, report: Report, explain: bool = False) -> None:
    tokens = {user: DevTokenIssuer(store.folder).issue(user, lifetime=6 * 3600)
              for user in {STREET_OFFICER, CIVIL_AFFAIRS}}
    server, url = start_server(store.server_env())
    try:
        for kind in [BASELINE, *kinds()]:  # each once, so that no first request is timed
            run = thread_clients(url, tokens[kind.user], 1, 3, lambda k, i, kind=kind: kind.body())
            if run.errors:
                raise RuntimeError(f"{kind.name}: {dict(run.errors)}")
        if explain:
            plans(store)
        shown = tasks_shown(url, tokens)
        report.note("Tasks", f"{store.name}: " + "; ".join(f"{name} {total:,}" for name, total in shown.items()))
        base = timed(url, tokens[BASELINE.user], BASELINE, sizes)
        for kind in kinds():
            figures = timed(url, tokens[kind.user], kind, sizes)
            add_rows(report, store.name, kind.name, figures, base)
    finally:
        server.terminate()
        server.wait(timeout=30)


def tasks_shown(url: str, tokens: dict[str, str]) -> dict[str, int]:
    """How many tasks each query selects (its counts' total): the size of what it sorts and counts."""
    shown = {}
    for kind in kinds()[:4]:
        answer = httpx.post(url + "/graphql", content=kind.body(), timeout=60,
                            headers={"Authorization": f"Bearer {tokens[kind.user]}",
                                     "Content-Type": "application/json"}).json()
        field = "myTasks" if "myTasks" in kind.name else "tasks"
        shown[kind.name.removesuffix(", with counts")] = answer["data"][field]["counts"]["total"]
    return shown


@dataclass
class Figures:
    p50: float  # ms, one client
    p99: float
    saturated: float  # requests a second, 32 clients
    saturated_p99: float
    paced: float  # ms, the middle run's p99 at 50% of the saturated rate
    paced_runs: list[float]
    rate: float  # the paced rate


def timed(url: str, token: str, kind: Kind, sizes: Sizes) -> Figures:
    body: Callable[[int, int], str] = lambda k, i: kind.body()  # noqa: E731
    say(f"  {kind.name}: one client x {sizes.requests}")
    one = checked(kind, thread_clients(url, token, 1, sizes.requests, body))
    say(f"  {kind.name}: {sizes.clients} clients x {sizes.per_client}, saturated")
    saturated = checked(kind, thread_clients(url, token, sizes.clients, sizes.per_client, body))
    rate = saturated.rate / 2
    runs = []
    gc.collect()
    gc.freeze()  # this process's objects out of its collector's scans, so its collections do not stall the clients
    for attempt in range(sizes.paced_runs):
        say(f"  {kind.name}: {sizes.clients} clients paced at {rate:.0f} a second ({attempt + 1} of {sizes.paced_runs})")
        time.sleep(sizes.pause)
        each = max(6, int(rate * sizes.paced_seconds / sizes.clients))
        runs.append(percentile(checked(kind, thread_clients(url, token, sizes.clients, each, body, rate=rate)).latencies,
                               0.99) * 1000)
    gc.unfreeze()
    return Figures(percentile(one.latencies, 0.5) * 1000, percentile(one.latencies, 0.99) * 1000, saturated.rate,
                   percentile(saturated.latencies, 0.99) * 1000, sorted(runs)[len(runs) // 2], runs, rate)


def checked(kind: Kind, run: Any) -> Any:
    if run.errors:
        raise RuntimeError(f"{kind.name}: {dict(run.errors)}")
    return run


def add_rows(report: Report, store: str, name: str, f: Figures, base: Figures) -> None:
    goal = "goal < 50 ms: " + ("ok" if f.p99 < 50 else "NOT MET")
    report.add(Row("Tasks", f"{name}, p99, 1 client ({store})", f.p99, "ms", "me, p99, 1 client", base.p99,
                   f"{goal}; p50 {f.p50:.1f} ms (me {base.p50:.1f} ms)"))
    report.add(Row("Tasks", f"{name}, 32 clients saturated ({store})", f.saturated, "req/s",
                   "me, 32 clients saturated", base.saturated, f"p99 {f.saturated_p99:.0f} ms saturated"))
    report.add(Row("Tasks", f"{name}, p99, 32 clients at 50% ({store})", f.paced, "ms",
                   "me, 32 clients at 50% of its own", base.paced,
                   middle_of_runs(f.paced, f.paced_runs) + f"; {f.rate:.0f} a second (me {base.rate:.0f})"))


def plans(store: Store) -> None:
    """Each task query's plan as the gateway runs it, by the store's own EXPLAIN."""
    from auth.dev import realm_principal
    from gateway.graphql.task_rows import counts_sql, page_sql, task_query as rows_query

    rt = SimpleNamespace(view=lambda name: AlertsView())  # all task_query asks of the runtime
    today = clock.today()
    cases = [("street officer", STREET_OFFICER, {}), ("civil affairs", CIVIL_AFFAIRS, {}),
             ("civil affairs, overdue", CIVIL_AFFAIRS, {"overdue": True}),
             ("myTasks", CIVIL_AFFAIRS, {"assignee": CIVIL_AFFAIRS, "department": "civil_affairs"})]
    prefix = "EXPLAIN ANALYZE " if store.url else "EXPLAIN QUERY PLAN "
    db = ViewDatabase(store.app)
    for label, user, asked in cases:
        query = rows_query(rt, realm_principal(user), today, **asked)
        for what, (sql, bound) in (("page", page_sql(query, None, 21)), ("counts", counts_sql(query, today))):
            with db.transaction(commit=False) as tx:
                lines = tx.rows(prefix + sql, bound)
            say(f"-- {label}, {what}: {sql}")
            for line in lines:
                say("   " + " | ".join(str(v) for v in line.values()))


# -- the run -----------------------------------------------------------------------------------------


def run(scale: Scale, sizes: Sizes, stores: list[Store], report: Report, explain: bool = False) -> None:
    print(f"\n{'measure':<54}{'figure':>10} {'unit':<9}| {'baseline':<44}{'baseline':>10} | ratio")
    for store in stores:
        try:
            prepare(store, scale, sizes, report)
            measure(store, sizes, report, explain)
        finally:
            if store.app is not None:
                store.app.close()
                store.app = None


def stores_in(work: Path, names: list[str], cleanup: ExitStack) -> list[Store]:
    found = []
    if "sqlite" in names:
        folder = work / "sqlite"
        found.append(Store("SQLite", Settings(data_dir=folder, dev_mode=True), folder))
    if "postgres" in names:
        url = cleanup.enter_context(bench_database(durable=True))
        folder = work / "postgres"
        folder.mkdir(parents=True)
        found.append(Store("PostgreSQL", Settings(database_url=url, data_dir=folder, dev_mode=True), folder, url))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("--scale", default="city", help=f"{', '.join(SCALES)} or a number of organizations")
    parser.add_argument("--tasks", type=int, default=FULL.tasks, help="tasks recorded on the organizations")
    parser.add_argument("--requests", type=int, default=FULL.requests, help="one client's requests, each query")
    parser.add_argument("--stores", default="sqlite,postgres", help="which stores: sqlite,postgres")
    parser.add_argument("--explain", action="store_true", help="print each task query's plan on each store")
    args = parser.parse_args()
    sizes = Sizes(tasks=args.tasks, requests=args.requests, per_client=FULL.per_client)
    report = Report()
    started = time.perf_counter()
    with ExitStack() as cleanup:
        stores = stores_in(Path(tempfile.mkdtemp(prefix="lianjian-tasks-bench-")),
                           [s.strip() for s in args.stores.split(",") if s.strip()], cleanup)
        run(scale_named(args.scale), sizes, stores, report, args.explain)
    for section, notes in report.notes.items():
        print(f"\n{section}:")
        for line in notes:
            print(f"  {line}")
    say(f"\nfinished in {(time.perf_counter() - started) / 60:.1f} minutes")


if __name__ == "__main__":
    main()
