"""Benchmark: SQLite's group commit (LIANJIAN_GROUP_COMMIT) beside one commit a command, served over HTTP.

    .venv/bin/python -m bench.group_commit [--scale district] [--rounds 3] [--data-dir DIR]

Records the scale into a fresh SQLite store (or serves the one in --data-dir, which must hold 渝中区's
organizations), then serves it with and without group commit in turn, a fresh `lianjian serve` each time,
warmed with one command on every organization. Each run measures:
- 1, 8 and 32 clients each sending its next command when the last is answered (saturation): commands a second,
  the server's CPU a command, and commands a commit;
- 32 clients sending fixed rates between them (Poisson, a latency counted from when the command was due):
  p50 and p99. The rates are shares of what one commit a command served 32 clients in the first round, the
  same for both, so that the two are compared at the same load.
Prints medians over the rounds with every round's figure; the modes alternate so that the machine's drift
falls on both.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from auth.dev import DevTokenIssuer  # noqa: E402
from bench.gateway import (  # noqa: E402
    closed_commands, count_body, server_metrics, start_server, thread_clients, warm_cache)
from bench.scale import SCALES, record  # noqa: E402
from bench.stats import percentile  # noqa: E402
from gateway.settings import Settings  # noqa: E402
from gateway.storage import open_application  # noqa: E402

MODES = {"one commit a command": "false", "group commit": "true"}
CLOSED = {1: 400, 8: 60, 32: 15}  # commands each client sends
SHARES = (0.5, 0.8, 1.0)  # of one commit a command's saturated rate with 32 clients
PACED_SECONDS = 5


def counter(lines: list[str], name: str) -> float:
    return next((float(line.split()[1]) for line in lines if line.startswith(name + " ")), 0.0)


def commits(url: str) -> tuple[float, float]:
    lines = server_metrics(url)
    return counter(lines, "lianjian_group_commits_total"), counter(lines, "lianjian_group_commit_writes_total")


def one_run(folder: Path, token: str, ids: list[str], group_commit: str, rates: list[float]) -> dict[str, float]:
    """One served run; figures by name. Empty ``rates`` are set from this run's saturation with 32 clients."""
    server, url = start_server({"LIANJIAN_DATA_DIR": str(folder), "LIANJIAN_DEV_MODE": "true",
                                "LIANJIAN_EMBEDDED_PROJECTIONS": "false", "LIANJIAN_GROUP_COMMIT": group_commit})
    figures: dict[str, float] = {}
    try:
        warm_cache(url, token, ids)
        for clients, each in CLOSED.items():
            groups, writes = commits(url)  # before the CPU is read: /metrics computes the views' lag
            run, cpu = closed_commands(url, token, ids, clients, each, server.pid)
            assert not run.errors, run.errors
            groups_after, writes_after = commits(url)
            figures[f"{clients} clients: cmd/s"] = run.rate
            figures[f"{clients} clients: CPU ms a cmd"] = cpu
            figures[f"{clients} clients: cmds a commit"] = ((writes_after - writes) / (groups_after - groups)
                                              if groups_after > groups else 1.0)
        if not rates:  # the first run, one commit a command's: its saturation sets the rates for every run
            rates.extend(share * figures["32 clients: cmd/s"] for share in SHARES)
        for rate in rates:
            time.sleep(1)
            run = thread_clients(url, token, 32, max(8, int(rate * PACED_SECONDS / 32)), lambda k, i: count_body(
                ids[(k * 7 + i * 32) % len(ids)], i % 9 + 1), rate=rate)
            assert not run.errors, run.errors
            figures[f"{rate:.0f}/s: p50 ms"] = percentile(run.latencies, 0.5) * 1000
            figures[f"{rate:.0f}/s: p99 ms"] = percentile(run.latencies, 0.99) * 1000
    finally:
        server.terminate()
        server.wait()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", choices=sorted(SCALES), default="district")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--data-dir", type=Path, help="serve this SQLite store instead of recording a fresh one")
    args = parser.parse_args()

    folder = args.data_dir or Path(tempfile.mkdtemp(prefix="lianjian-group-commit-"))
    app = open_application(Settings(data_dir=folder))
    if args.data_dir is None:
        print(f"recording {SCALES[args.scale].describe()} into {folder}", flush=True)
        ids = record(app, SCALES[args.scale]).active_in.get("yuzhong", [])
    else:
        ids = [i for i in app.organization_ids()
               if app.organization(i).district == "yuzhong" and app.organization(i).is_active]
    app.close()
    token = DevTokenIssuer(folder).issue("party-liu", lifetime=6 * 3600)

    runs: dict[str, list[dict[str, float]]] = {mode: [] for mode in MODES}
    rates: list[float] = []
    for round_ in range(args.rounds):
        for mode, flag in MODES.items():
            print(f"round {round_ + 1} of {args.rounds}: {mode}", flush=True)
            runs[mode].append(one_run(folder, token, ids, flag, rates))

    names = [name for name in runs["group commit"][0]]
    print(f"\n{len(ids):,} organizations of 渝中区, countPartyMembers, medians of {args.rounds} rounds"
          " (each round's figure in brackets); 32 clients paced at 50%, 80% and 100% of one commit a command's"
          " saturated rate\n")
    print(f"{'measure':<28}" + "".join(f"{mode:>34}" for mode in MODES) + f"{'ratio':>8}")
    for name in names:
        cells, medians = [], []
        for mode in MODES:
            values = [figures[name] for figures in runs[mode] if name in figures]
            medians.append(statistics.median(values) if values else float("nan"))
            cells.append(f"{medians[-1]:.2f} [{', '.join(f'{v:.1f}' for v in values)}]" if values else "—")
        print(f"{name:<28}" + "".join(f"{c:>34}" for c in cells)
              + f"{medians[1] / medians[0]:>8.2f}")


if __name__ == "__main__":
    main()
