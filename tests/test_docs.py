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
