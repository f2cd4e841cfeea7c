"""bench/first_load.py at a tiny size, so that it cannot rot: both stores recorded and served, each page loaded
in Chromium to its first rows, the table printed with a ratio for each page."""

from __future__ import annotations

import pytest

from tests.e2e.test_dashboard import CHROMIUM


def test_the_first_load_benchmark_runs_at_a_tiny_size(unavailable, capsys: pytest.CaptureFixture[str]) -> None:
    if not CHROMIUM.exists():
        unavailable("Chromium", f"{CHROMIUM} is missing (apt-get install -y chromium fonts-noto-cjk)")
    from bench.first_load import PAGES, main

    loads = main(["--scale", "40", "--tasks", "200", "--runs", "1"])
    for store in ("demo", "city"):
        assert {name for name, *_ in PAGES} == set(loads[store])
        assert all(len(times) == 1 and 0 < times[0] < 120_000 for times in loads[store].values()), loads
    printed = capsys.readouterr().out
    assert "overview" in printed and "待办 tasks" in printed and "ratio" in printed
