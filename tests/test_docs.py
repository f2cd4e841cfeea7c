from pathlib import Path

from domain.catalogue import render_catalogue

ROOT = Path(__file__).resolve().parents[1]


def test_the_event_catalogue_matches_the_code():
    written = (ROOT / "docs" / "events.md").read_text(encoding="utf-8")
    assert written == render_catalogue(), "docs/events.md drifted from the code: run `lianjian docs`"


def test_every_business_event_is_in_the_catalogue_with_a_meaning():
    text = render_catalogue()
    for name in ("Organization.Registered", "Organization.AddedToAbnormalList", "FundingProject.TrancheDisbursed",
                 "InspectionCase.RectificationOverdue", "SampleDraw.Drawn"):
        row = next(line for line in text.splitlines() if line.startswith(f"| `{name}`"))
        meaning = row.split("|")[2].strip()
        assert meaning, f"{name} has no description"


SCOPE_WORDS = {"district": "district", "street": "street", "all": "all", "masked": "masked", "none": "none",
               "status_only": "status only", "own": "own", "names_only": "project names only",
               "penalties_only": "penalties only", "public_fields": "public fields"}


def test_the_access_matrix_in_docs_matches_the_policy():
    """docs/domain.md's "What each caller reads" is the policy's MATRIX in words, column for column."""
    from auth.policy import MATRIX, Who

    text = (ROOT / "docs" / "domain.md").read_text(encoding="utf-8")
    table = text.split("### What each caller reads", 1)[1].split("\n\n", 2)[1].splitlines()
    header = [cell.strip() for cell in table[0].strip("|").split("|")][1:]
    columns = [Who(name.replace(" ", "_")) for name in header]
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in table[2:]]
    assert len(rows) == len(MATRIX)
    for (area, scopes), row in zip(MATRIX.items(), rows):
        written = dict(zip(columns, row[1:]))
        expected = {who: SCOPE_WORDS[str(scopes.get(who, "none"))] for who in columns}
        assert written == expected, f"docs/domain.md's row '{row[0]}' drifted from auth/policy.py MATRIX[{area}]"


def test_every_query_field_the_policy_names_is_in_the_schema():
    """A field the policy grants but the schema lacks is a stale grant waiting for a field of that name."""
    from auth.policy import QUERY_FIELDS

    schema = (ROOT / "docs" / "schema.graphql").read_text(encoding="utf-8")
    query = schema.split("type Query {", 1)[1].split("\n}", 1)[0]
    fields = {line.strip().split("(")[0].split(":")[0] for line in query.splitlines() if line.strip()}
    assert set(QUERY_FIELDS) <= fields, set(QUERY_FIELDS) - fields


def test_the_task_deadlines_in_docs_are_the_defaults():
    """docs/tasks.md's deadline table is domain.settings.TASK_DUE_WORKING_DAYS, rule for rule."""
    from domain.alerts import AlertRule
    from domain.settings import TASK_DUE_WORKING_DAYS

    text = (ROOT / "docs" / "tasks.md").read_text(encoding="utf-8")
    table = text.split("| rule | working days |", 1)[1].split("\n\n", 1)[0]
    written = {cells[1].strip(" `"): int(cells[2]) for cells in (line.split("|") for line in table.splitlines()[2:])}
    assert written == TASK_DUE_WORKING_DAYS
    assert set(TASK_DUE_WORKING_DAYS) == {rule.value for rule in AlertRule}  # every rule has its deadline
