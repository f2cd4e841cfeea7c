"""The rows behind the street overview's figures (inspections, fundingTable, partyBuildingGaps) on both stores:
they agree with the figures, keep to the caller's street and district (jiangbei's street of the same name never
shows), order the overdue rectifications first (by Asia/Shanghai business dates: the deadline's own day is not
overdue, the day after is), sort and total money exactly to the fen, page without repeating or skipping a row,
and refuse bad input with BAD_USER_INPUT."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from domain.clock import today
from gateway.settings import Settings
from tests.gateway.conftest import Gateway, _gateway, command, seed_jiangbei, settle

MINYUE = "重庆市民悦社会工作服务中心"  # a registered organization of yuzhong's 上清寺
ROWS = "rows { caseId organizationId street subject inspectorDepartment deadline rectification overdue daysOverdue }"
INSPECTIONS = (f"query($street: String, $district: String, $status: CaseStatus, $overdue: Boolean, $first: Int,"
               f" $offset: Int) {{ inspections(street: $street, district: $district, status: $status,"
               f" overdueOnly: $overdue, first: $first, offset: $offset) {{ today {ROWS}"
               f" page {{ totalCount hasNextPage }} }} }}")
FUNDING = ("query($year: Int, $street: String, $district: String, $sort: FundingSort, $descending: Boolean,"
           " $first: Int, $offset: Int) { fundingTable(year: $year, street: $street, district: $district, sort: $sort,"
           " descending: $descending, first: $first, offset: $offset) { year total { projects awarded disbursed"
           " clawedBack } rows { projectId projectName organizationId organizationName awarded disbursed clawedBack }"
           " page { totalCount hasNextPage } } }")
GAPS = ("query($gap: PartyGap, $street: String, $district: String, $first: Int, $offset: Int) {"
        " partyBuildingGaps(gap: $gap, street: $street, district: $district, first: $first, offset: $offset)"
        " { minPartyMembers rows { organizationId name street partyMembers partyOrganization instructor }"
        " page { totalCount hasNextPage } } }")
OVERVIEW = ("query($street: String!, $district: String) { streetOverview(street: $street, district: $district)"
            " { year openInspections overdueRectifications party { activeOrganizations withPartyOrganization }"
            " funding { awarded disbursed clawedBack } creditListed { organizationId } } }")
MONEY = ("awarded", "disbursed", "clawedBack")


def test_drill_downs_on_both_stores(settings: Settings, tmp_path: Path) -> None:
    for gw in _gateway(tmp_path / "gateway", database_url=settings.database_url):
        jiangbei = seed_jiangbei(gw)
        on = today()
        cases = _cases_due_today_and_yesterday(gw, on)
        project = _funding_to_the_fen(gw, on)
        settle(gw)
        _rows_agree_with_the_overview(gw)
        _scope(gw, jiangbei)
        _overdue_first(gw, on, cases)
        _sorted_and_totalled(gw, project)
        _paged(gw)
        _bad_input(gw)


def _cases_due_today_and_yesterday(gw: Gateway, on: date) -> dict[str, str]:
    """Two open cases in 上清寺 with rectification ordered, due today and due yesterday (Shanghai)."""
    org, ordered_on = gw.org_id(MINYUE), (on - timedelta(days=10)).isoformat()
    made = {}
    for name, deadline in (("today", on), ("yesterday", on - timedelta(days=1))):
        case = gw.data("insp-zhao", f"""mutation {{ openInspection({command("立案", ordered_on, "inspection_board")},
            organizationId: "{org}", inspectors: ["检查员甲", "检查员乙"], subject: "到期{name}") {{ aggregateId }} }}"""
                       )["openInspection"]["aggregateId"]
        gw.data("insp-zhao", f"""mutation {{ recordInspectionFindings({command("发现", ordered_on)}, caseId: "{case}",
            findings: "账目不清", problemsFound: true) {{ eventIds }} }}""")
        gw.data("insp-zhao", f"""mutation {{ orderRectification({command("整改", ordered_on, "inspection_board")},
            caseId: "{case}", requirements: "整改", deadline: "{deadline.isoformat()}") {{ eventIds }} }}""")
        made[name] = case
    return made


def _funding_to_the_fen(gw: Gateway, on: date) -> str:
    """A project of this year with amounts that float arithmetic would not keep: ¥1,234.56 awarded, ¥0.01 and
    ¥100.10 disbursed, ¥0.07 clawed back."""
    first_day = date(on.year, 1, 1).isoformat()
    project = gw.data("fin-chen", f"""mutation {{ awardFunding({command("购买服务", first_day, "finance_ledger")},
        input: {{organizationId: "{gw.org_id(MINYUE)}", purchasingUnit: "上清寺街道办事处", projectName: "分毫项目",
        amount: "1234.56", periodStart: "{first_day}", periodEnd: "{on.year}-12-31"}}) {{ aggregateId }} }}"""
                      )["awardFunding"]["aggregateId"]
    for mutation, amount in (("disburseFunding", "0.01"), ("disburseFunding", "100.10"), ("clawBackFunds", "0.07")):
        gw.data("fin-chen", f"""mutation {{ {mutation}({command("拨付", on.isoformat(), "finance_ledger")},
            projectId: "{project}", amount: "{amount}") {{ eventIds }} }}""")
    return project


def _all(gw: Gateway, user: str, query: str, field: str, **variables: object) -> list[dict]:
    body = gw.data(user, query, {**variables, "first": 200})[field]
    assert not body["page"]["hasNextPage"]
    return body["rows"]


def _rows_agree_with_the_overview(gw: Gateway) -> None:
    for user, street in (("sqs-li", "shangqingsi"), ("ca-zhang", "shangqingsi"), ("ca-zhang", "hualongqiao")):
        figures = gw.data(user, OVERVIEW, {"street": street})["streetOverview"]
        asked = {"street": street}
        opened = gw.data(user, INSPECTIONS, asked)["inspections"]["page"]["totalCount"]
        overdue = gw.data(user, INSPECTIONS, {**asked, "overdue": True})["inspections"]["page"]["totalCount"]
        assert (opened, overdue) == (figures["openInspections"], figures["overdueRectifications"]), (user, street)
        total = gw.data(user, FUNDING, asked)["fundingTable"]["total"]
        assert {k: Decimal(total[k]) for k in MONEY} == {k: Decimal(figures["funding"][k]) for k in MONEY}
        uncovered = gw.data(user, GAPS, {**asked, "gap": "NO_PARTY_ORGANIZATION"})["partyBuildingGaps"]
        party = figures["party"]
        assert uncovered["page"]["totalCount"] == party["activeOrganizations"] - party["withPartyOrganization"]
        listed = gw.data(user, "query($s: String) { organizations(first: 200, filter: {street: $s, creditList: ANY})"
                               " { edges { node { id } } } }", {"s": street})["organizations"]["edges"]
        assert {e["node"]["id"] for e in listed} == {o["organizationId"] for o in figures["creditListed"]}


def _scope(gw: Gateway, jiangbei: dict[str, str]) -> None:
    district = {o: gw.app.organization(o).district for o in map(str, gw.app.organization_ids())}
    street = {o: gw.app.organization(o).street for o in map(str, gw.app.organization_ids())}

    def orgs(user: str, **asked: object) -> set[str]:
        found = {r["organizationId"] for r in _all(gw, user, INSPECTIONS, "inspections", status="ALL", **asked)}
        found |= {r["organizationId"] for r in _all(gw, user, FUNDING, "fundingTable", year=2026, **asked)}
        return found | {r["organizationId"] for r in _all(gw, user, GAPS, "partyBuildingGaps",
                                                           gap="NO_INSTRUCTOR", **asked)}

    places = {(district[o], street[o]) for o in orgs("sqs-li")}
    assert places == {("yuzhong", "shangqingsi")}
    assert orgs("sqs-li", street="hualongqiao") == set()  # another street of its district
    assert orgs("sqs-li", district="jiangbei") == set()  # the street of that name in another district
    assert {(district[o], street[o]) for o in orgs("jb-sqs-zhou")} == {("jiangbei", "shangqingsi")}
    assert jiangbei["registered"] in orgs("jb-sqs-zhou")
    yuzhong = orgs("ca-zhang")
    assert {district[o] for o in yuzhong} == {"yuzhong"} and {street[o] for o in yuzhong} > {"shangqingsi"}
    assert {(district[o], street[o]) for o in orgs("ca-zhang", street="shangqingsi")} == {("yuzhong", "shangqingsi")}
    assert orgs("jb-ca-wu", district="yuzhong") == set()
    assert {district[o] for o in orgs("jb-ca-wu")} == {"jiangbei"}
    by_case = {r["caseId"]: r for r in _all(gw, "jb-ca-wu", INSPECTIONS, "inspections", status="ALL")}
    assert (by_case[jiangbei["case"]]["inspectorDepartment"], by_case[jiangbei["tax_case"]]["inspectorDepartment"]) == (
        "inspection", "tax")  # whose inspectors opened each case
    assert {district[o] for o in orgs("audit-qian", street="shangqingsi")} == {"yuzhong", "jiangbei"}
    assert {district[o] for o in orgs("audit-qian", street="shangqingsi", district="jiangbei")} == {"jiangbei"}
    for user, refused in (("fin-chen", "inspections"), ("party-liu", "inspections"), ("insp-zhao", "fundingTable"),
                          ("party-liu", "fundingTable"), ("fin-chen", "partyBuildingGaps"),
                          ("insp-zhao", "partyBuildingGaps"), ("tax-he", "inspections"), ("tax-he", "fundingTable"),
                          ("tax-he", "partyBuildingGaps"), (None, "inspections"), (None, "fundingTable"),
                          (None, "partyBuildingGaps")):
        query = {"inspections": INSPECTIONS, "fundingTable": FUNDING, "partyBuildingGaps": GAPS}[refused]
        assert gw.code(user, query) == "FORBIDDEN", (user, refused)
    assert gw.code("insp-zhao", INSPECTIONS) is None and gw.code("party-liu", GAPS) is None
    assert gw.code("fin-chen", FUNDING) is None


def _overdue_first(gw: Gateway, on: date, cases: dict[str, str]) -> None:
    body = gw.data("sqs-li", INSPECTIONS, {"first": 200})["inspections"]
    assert body["today"] == on.isoformat()
    rows = body["rows"]
    by_case = {r["caseId"]: r for r in rows}
    due_today, due_yesterday = by_case[cases["today"]], by_case[cases["yesterday"]]
    assert (due_today["overdue"], due_today["daysOverdue"]) == (False, None)  # the deadline's own day
    assert (due_yesterday["overdue"], due_yesterday["daysOverdue"]) == (True, 1)  # the day after
    assert due_yesterday["inspectorDepartment"] == "inspection"
    flags = [r["overdue"] for r in rows]
    assert flags == sorted(flags, reverse=True) and flags.count(True) >= 2  # the demo's overdue case too
    for group in (True, False):
        deadlines = [r["deadline"] for r in rows if r["overdue"] is group]
        dated = [d for d in deadlines if d]
        assert dated == sorted(dated) and deadlines == dated + [None] * (len(deadlines) - len(dated))
    for row in rows:
        if row["overdue"]:
            assert row["daysOverdue"] == (on - date.fromisoformat(row["deadline"])).days
    overdue = _all(gw, "sqs-li", INSPECTIONS, "inspections", overdue=True)
    assert [r["caseId"] for r in overdue] == [r["caseId"] for r in rows if r["overdue"]]


def _sorted_and_totalled(gw: Gateway, project: str) -> None:
    table = gw.data("sqs-li", FUNDING, {"first": 200})["fundingTable"]
    ours = next(r for r in table["rows"] if r["projectId"] == project)
    assert (ours["awarded"], ours["disbursed"], ours["clawedBack"]) == ("1234.56", "100.11", "0.07")
    assert len(table["rows"]) == table["total"]["projects"] == table["page"]["totalCount"]
    for key in MONEY:  # exact: the sum of the rows' Decimals to the fen, as text with two decimals
        assert Decimal(table["total"][key]) == sum((Decimal(r[key]) for r in table["rows"]), Decimal(0))
        assert len(table["total"][key].split(".")[1]) == 2
    names = {"ORGANIZATION": ("organizationName", "projectName"), "PROJECT": ("projectName", "organizationName"),
             "AWARDED": ("awarded",), "DISBURSED": ("disbursed",), "CLAWED_BACK": ("clawedBack",)}
    for sort, columns in names.items():
        for descending in (False, True):
            rows = _all(gw, "sqs-li", FUNDING, "fundingTable", sort=sort, descending=descending)
            assert sorted(r["projectId"] for r in rows) == sorted(r["projectId"] for r in table["rows"])

            def key(row: dict, columns: tuple[str, ...] = columns) -> tuple:
                return tuple(Decimal(row[c]) if c in MONEY else row[c] for c in columns)

            keys = [key(r) for r in rows]
            assert keys == sorted(keys, reverse=descending), (sort, descending)
            for a, b in zip(rows, rows[1:]):  # the tiebreak: the project's id, ascending either way
                if key(a) == key(b):
                    assert a["projectId"] < b["projectId"], (sort, descending)
    last_year = gw.data("sqs-li", FUNDING, {"year": 2025, "first": 200})["fundingTable"]
    assert last_year["year"] == 2025 and project not in {r["projectId"] for r in last_year["rows"]}
    assert Decimal(last_year["total"]["awarded"]) > 0


def _paged(gw: Gateway) -> None:
    for query, field, asked in ((INSPECTIONS, "inspections", {"status": "ALL"}),
                                (FUNDING, "fundingTable", {"sort": "DISBURSED"}),
                                (GAPS, "partyBuildingGaps", {"gap": "NO_INSTRUCTOR"})):
        whole = _all(gw, "ca-zhang", query, field, **asked)
        assert len(whole) > 3, field
        pages, offset = [], 0
        while True:
            body = gw.data("ca-zhang", query, {**asked, "first": 3, "offset": offset})[field]
            pages += body["rows"]
            assert body["page"]["totalCount"] == len(whole)
            offset += 3
            assert body["page"]["hasNextPage"] == (offset < len(whole))
            if not body["page"]["hasNextPage"]:
                break
        assert pages == whole, field


def _bad_input(gw: Gateway) -> None:
    for query, variables in (
        (FUNDING, {"sort": "BUDGET"}),  # an unknown sort key
        (FUNDING, {"year": 1800}), (FUNDING, {"year": today().year + 2}), (FUNDING, {"year": 2**40}),
        (INSPECTIONS, {"status": "PENDING"}), (GAPS, {"gap": "NONE"}),
        (INSPECTIONS, {"first": 0}), (FUNDING, {"first": 201}), (GAPS, {"offset": -1}),
        (INSPECTIONS, {"offset": 100_001}), (INSPECTIONS, {"street": "街" * 101}), (GAPS, {"district": "区" * 101}),
    ):
        assert gw.code("ca-zhang", query, variables) == "BAD_USER_INPUT", variables
