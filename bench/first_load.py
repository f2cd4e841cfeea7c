"""The dashboard's first load in a real browser: the overview and the 待办 page, on the demo data and on the city.

    .venv/bin/python -m bench.first_load                                 # the city, 100,000 tasks
    .venv/bin/python -m bench.first_load --scale quick --tasks 2000 --runs 3

Two stores, each served by `lianjian serve --dev` (SQLite, embedded): the demo (`lianjian demo`), and the
demo with the city (bench/scale.py: 20,000 organizations) and its tasks (bench/tasks.py) recorded beside it.
Headless Chromium (Debian's /usr/bin/chromium) signs in as 上清寺's street officer (sqs-li) and opens each page
``--runs`` times, in a new browser context each time (empty cache, the page's modules fetched again), then
reads the page's own mark: navigation start to the overview's figures shown (`lianjian:figures`) and to the
待办 list shown (`lianjian:tasks`). The same pages on the demo data are the baseline, in the same run, as a
ratio; the goal is under 1 s on the city. Each figure is the median of the runs, with the slowest beside it.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from auth.dev import DevTokenIssuer  # noqa: E402
from bench.gateway import serve  # noqa: E402
from bench.scale import SCALES, record, scale_named  # noqa: E402
from bench.tasks import record_tasks  # noqa: E402
from domain import clock  # noqa: E402
from gateway.settings import Settings  # noqa: E402
from gateway.storage import open_application  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
USER = "sqs-li"
# (page, its address, the mark it sets once its first rows are shown, and the body attribute it sets with it)
PAGES = [("overview", "/#/", "lianjian:figures", "figures"), ("待办 tasks", "/#/tasks", "lianjian:tasks", "tasks")]
GOAL_MS = 1000.0


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def demo_store(folder: Path) -> None:
    """`lianjian demo --no-serve`: the demo's history, caught up and sealed."""
    subprocess.run([sys.executable, "-m", "gateway", "demo", "--no-serve"], cwd=ROOT, check=True,
                   env={"LIANJIAN_DATA_DIR": str(folder), "PATH": "/usr/bin:/bin"},
                   stdout=subprocess.DEVNULL)


def city_store(folder: Path, scale: str, tasks: int) -> None:
    """The demo, then the city and its tasks recorded beside it (the server catches its views up at start)."""
    demo_store(folder)
    app = open_application(Settings(data_dir=folder, dev_mode=True))
    try:
        generated = record(app, scale_named(scale), report=say)
        events, seconds = record_tasks(app, generated, tasks, clock.today())
        say(f"city: {tasks:,} tasks, {events:,} events in {seconds:.0f} s")
    finally:
        app.close()


def first_loads(url: str, runs: int) -> dict[str, list[float]]:
    """Each page's mark (ms from navigation start) in ``runs`` new browser contexts, signed in as USER."""
    from playwright.sync_api import sync_playwright

    found: dict[str, list[float]] = {name: [] for name, *_ in PAGES}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            for _ in range(runs + 1):  # the first is not counted: the server's own first requests
                for name, address, mark, ready in PAGES:
                    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
                    page = context.new_page()
                    page.goto(f"{url}/")
                    page.locator(f"button[data-username='{USER}']").click()
                    page.locator("body[data-figures='ready']").wait_for(state="attached", timeout=120_000)
                    page.goto(f"{url}{address}")
                    page.reload()  # a signed-in officer opening the page: navigation start is this load's
                    page.locator(f"body[data-{ready}='ready']").wait_for(state="attached", timeout=120_000)
                    found[name].append(page.evaluate(f"performance.getEntriesByName({mark!r})[0].startTime"))
                    context.close()
        finally:
            browser.close()
    return {name: values[1:] for name, values in found.items()}


def caught_up(url: str, wait: float = 3600) -> int:
    """Wait until every view has applied every event (/readyz's details, dev mode): the server answers /healthz
    while its views still catch up, and a page read then would show part of the data. The head."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            body = httpx.get(url + "/readyz", timeout=10).json()
        except httpx.HTTPError:
            body = {}
        views = body.get("views") or {}
        if views and all(lag["events_behind"] == 0 for lag in views.values()):
            return int(body["head"])
        time.sleep(2)
    raise RuntimeError(f"the views did not catch up in {wait:.0f} s")


def tasks_seen(url: str, folder: Path) -> int:
    """How many tasks the measured user sees: the page's data was there to show."""
    token = DevTokenIssuer(folder).issue(USER)
    answer = httpx.post(url + "/graphql", json={"query": "{ tasks(first: 1) { counts { total } } }"},
                        headers={"Authorization": f"Bearer {token}"}, timeout=60).json()
    return int(answer["data"]["tasks"]["counts"]["total"])


def served(folder: Path, runs: int) -> tuple[dict[str, list[float]], int]:
    env = {"LIANJIAN_DATA_DIR": str(folder), "LIANJIAN_DEV_MODE": "true"}
    server, url = serve(["gateway", "serve", "--dev"], env, wait=1800)
    try:
        head = caught_up(url)
        seen = tasks_seen(url, folder)
        say(f"served at event {head:,}, every view caught up; {USER} sees {seen:,} tasks")
        return first_loads(url, runs), seen
    finally:
        server.terminate()
        server.wait(timeout=30)


def table(demo: dict[str, list[float]], city: dict[str, list[float]], label: str) -> str:
    lines = [f"{'page':<14}{'demo median':>13}{'slowest':>10}{label + ' median':>22}{'slowest':>10}{'ratio':>8}  goal < 1 s"]
    for name, *_ in PAGES:
        d, c = statistics.median(demo[name]), statistics.median(city[name])
        met = "met" if max(city[name]) < GOAL_MS else ("median met" if c < GOAL_MS else "not met")
        lines.append(f"{name:<14}{d:>10.0f} ms{max(demo[name]):>7.0f} ms{c:>19.0f} ms{max(city[name]):>7.0f} ms"
                     f"{c / d:>8.2f}  {met}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("--scale", default="city", help=f"{', '.join(SCALES)} or a number of organizations")
    parser.add_argument("--tasks", type=int, default=100_000, help="tasks recorded on the city's organizations")
    parser.add_argument("--runs", type=int, default=5, help="loads of each page, each in a new browser context")
    args = parser.parse_args(argv)
    if not CHROMIUM.exists():
        raise SystemExit(f"{CHROMIUM} is missing (apt-get install -y chromium fonts-noto-cjk)")
    started = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="lianjian-first-load-"))
    say("demo: recording")
    demo_store(work / "demo")
    say(f"city: recording the demo, {args.scale} and {args.tasks:,} tasks")
    city_store(work / "city", args.scale, args.tasks)
    say("demo: serving and loading")
    demo, demo_tasks = served(work / "demo", args.runs)
    say("city: serving (its views catch up first) and loading")
    city, city_tasks = served(work / "city", args.runs)
    label = f"{args.scale}+{args.tasks // 1000}k tasks"
    print("\nFirst load, navigation start to the page's first rows shown (headless Chromium, signed in as sqs-li):")
    print(table(demo, city, label))
    print(f"{USER} sees {demo_tasks:,} tasks on the demo, {city_tasks:,} on the city; every view caught up first.")
    say(f"finished in {(time.perf_counter() - started) / 60:.1f} minutes")
    return {"demo": demo, "city": city}


if __name__ == "__main__":
    main()
