"""The access matrix of docs/domain.md ("Who sees what"), written out here independently of auth/policy.py:
every demo role against every query field and every mutation, allowed or denied as the matrix says; and every
role of two districts against every field that lists or finds rows, with rows in its own street, another
street of its district and the other district, whose street shares a yuzhong street's code."""

from __future__ import annotations

import contextlib
import time

import pytest

from tests.gateway.conftest import JIANGBEI_REGISTERED, seed_jiangbei

CIVIL, STREET, FINANCE, INSPECTION, PARTY, PARTNER, AUDIT, PUBLIC = (
    "civil_affairs", "street_office", "finance", "inspection", "party_building", "partner", "audit", "public")
USERS = {
    "ca-zhang": CIVIL, "sqs-li": STREET, "hlq-wang": STREET, "fin-chen": FINANCE, "insp-zhao": INSPECTION,
    "party-liu": PARTY, "tax-he": PARTNER, "mr-xu": PARTNER, "ps-guo": PARTNER, "audit-qian": AUDIT, None: PUBLIC,
}
EVERYONE = {CIVIL, STREET, FINANCE, INSPECTION, PARTY, PARTNER, AUDIT, PUBLIC}

# "Who sees what": which roles may ask each query field at all (rows and fields are filtered further).
QUERY_ACCESS = {
    "me": EVERYONE,
    "organization": EVERYONE,
    "organizations": EVERYONE,
    "organizationHistory": EVERYONE - {PUBLIC},  # full event history: no for the public
    "organizationAsOf": {CIVIL, STREET, AUDIT},
    "alerts": EVERYONE - {PUBLIC},
    # Tasks (督办): every department sees those it owns or helps with, the street every one about its street.
    "tasks": EVERYONE - {PUBLIC},
    "myTasks": EVERYONE - {PUBLIC},
    "task": EVERYONE - {PUBLIC},
    "streetOverview": {CIVIL, STREET, AUDIT},
    "fundingProjects": {CIVIL, STREET, FINANCE, AUDIT},  # funding amounts
    "inspectionCases": {CIVIL, STREET, INSPECTION, AUDIT},  # inspections beyond status
    "viewLag": {CIVIL, AUDIT},
    # The rows behind the street overview's figures: as the figures' own areas allow.
    "inspections": {CIVIL, STREET, INSPECTION, AUDIT},  # inspections beyond status
    "fundingTable": {CIVIL, STREET, FINANCE, AUDIT},  # funding amounts
    "partyBuildingGaps": {CIVIL, STREET, PARTY, AUDIT},
    # "Full event history: audit everything": the global log, views as of any moment, the chain's verification
    # and the read audit span every department and district, personal data unmasked: the audit office only.
    "eventLog": {AUDIT},
    "viewAsOf": {AUDIT},
    "auditViews": {AUDIT},
    "verifyChain": {AUDIT},
    "personalDataReads": {AUDIT},  # "visible to auditors"
    "export": EVERYONE - {PUBLIC},  # a list as a file, for officers (each list further as its own field)
}
QUERIES = {
    "me": "{ me { username } }",
    "organization": "query($org: ID!) { organization(id: $org) { name } }",
    "organizations": "{ organizations(first: 1) { totalCount } }",
    "organizationHistory": "query($org: ID!) { organizationHistory(id: $org, first: 1) { events { type } } }",
    "organizationAsOf": 'query($org: ID!) { organizationAsOf(id: $org, at: "2020-01-01T00:00:00") { name } }',
    "alerts": "{ alerts(first: 1) { alerts { id } } }",
    "streetOverview": "query($street: String!) { streetOverview(street: $street) { organizations } }",
    "fundingProjects": "{ fundingProjects(first: 1) { id } }",
    "inspectionCases": "{ inspectionCases(first: 1) { id } }",
    "viewLag": "{ viewLag { view } }",
    "inspections": "{ inspections(first: 1) { page { totalCount } } }",
    "fundingTable": "{ fundingTable(first: 1) { total { awarded } } }",
    "partyBuildingGaps": "{ partyBuildingGaps(first: 1) { page { totalCount } } }",
    "eventLog": "{ eventLog(first: 1) { events { type } } }",
    "viewAsOf": '{ viewAsOf(view: "party_building", at: "2020-01-01T00:00:00", first: 1) { position } }',
    "auditViews": "{ auditViews { name } }",
    "verifyChain": "{ verifyChain { intact } }",
    "personalDataReads": "{ personalDataReads(first: 1) { reads { what } } }",
    "export": "{ export(list: ORGANIZATIONS) { rows } }",
    "tasks": "{ tasks(first: 1) { counts { total } } }",
    "myTasks": "{ myTasks(first: 1) { tasks { id } } }",
    "task": '{ task(id: "00000000-0000-0000-0000-000000000000") { id } }',
}

ALLOWED_ANSWER = {"task": "NOT_FOUND"}

# "May record": filings and own-street reports for the street; funding for finance; and so on.
ALERTS = {"acknowledgeAlert", "resolveAlert", "acknowledgeTask", "assignTask", "transferTask",
          "requestTaskAssistance", "resolveTask"}
REVOCATION_REQUEST = {"requestRevocation"}  # any department but civil affairs, which revokes
PROPOSALS = {"acceptProposal", "declineProposal"}  # civil affairs' listings, finance's suspensions
MAY_RECORD = {
    CIVIL: {"registerOrganization", "changeRegistration", "convertToRegistration", "deregisterOrganization",
            "revokeRegistration", "banOrganization", "submitAnnualReport", "concludeAnnualInspection", "awardGrade",
            "lowerGrade", "cancelGrade", "imposePenalty", "recordPenaltyExecuted", "addToAbnormalList",
            "removeFromAbnormalList", "escalateToSeriousList", "addToSeriousList", "removeFromSeriousList",
            "recordCourtDishonestDebtor", "fileObjection", "decideObjection", "annulPenalty",
            "conferHonour", "recordPublicFundraisingQualification"} | ALERTS | PROPOSALS,
    STREET: {"fileCommunityOrganization", "changeFiling", "cancelFiling", "submitAnnualReport"} | ALERTS
    | REVOCATION_REQUEST,
    FINANCE: {"awardFunding", "disburseFunding", "suspendFunding", "resumeFunding", "clawBackFunds",
              "closeFundingProject"} | ALERTS | PROPOSALS | REVOCATION_REQUEST,
    INSPECTION: {"drawInspectionSample", "openInspection", "recordInspectionFindings", "orderRectification",
                 "confirmRectification", "recordRectificationOverdue", "closeInspection"} | ALERTS
    | REVOCATION_REQUEST,
    PARTY: {"countPartyMembers", "setUpPartyOrganization", "appointPartyInstructor"} | ALERTS | REVOCATION_REQUEST,
    PARTNER: {"imposePenalty", "openInspection", "recordInspectionFindings", "closeInspection",
              "annulPenalty"} | ALERTS | REVOCATION_REQUEST,
    AUDIT: set(),
    PUBLIC: set(),
}

# Every mutation, called with a blank reason: a role that may record it is refused for the blank reason
# (BAD_USER_INPUT) or because the record lies outside its jurisdiction (NOT_FOUND); one that may not
# is FORBIDDEN. Nothing is recorded either way.
C = 'command: {reason: " ", occurredOn: "2026-11-20"}'
P = '{name: "张三"}'
MUTATIONS = {
    "registerOrganization": f'registerOrganization({C}, input: {{name: "新协会", kind: "social_group", creditCode: "X", domicile: "d", purpose: "p", businessScope: "s", legalRepresentative: {P}, funds: "1", district: "yuzhong", street: $street}})',
    "fileCommunityOrganization": f'fileCommunityOrganization({C}, input: {{name: "新队", personInCharge: {P}, district: "yuzhong", street: $street}})',
    "changeRegistration": f"changeRegistration({C}, organizationId: $org, domicile: \"新址\")",
    "changeFiling": f"changeFiling({C}, organizationId: $org, activityArea: \"新\")",
    "convertToRegistration": f'convertToRegistration({C}, organizationId: $org, input: {{kind: "social_group", creditCode: "X", domicile: "d", purpose: "p", businessScope: "s", legalRepresentative: {P}, funds: "1"}})',
    "deregisterOrganization": f'deregisterOrganization({C}, organizationId: $org, liquidationCompletedOn: "2026-11-01")',
    "revokeRegistration": f'revokeRegistration({C}, organizationId: $org, ground: "fraud")',
    "cancelFiling": f"cancelFiling({C}, organizationId: $org)",
    "banOrganization": f"banOrganization({C}, organizationId: $org)",
    "submitAnnualReport": f"submitAnnualReport({C}, organizationId: $org, year: 2025)",
    "concludeAnnualInspection": f'concludeAnnualInspection({C}, organizationId: $org, year: 2025, result: "qualified")',
    "awardGrade": f"awardGrade({C}, organizationId: $org, score: 900)",
    "lowerGrade": f"lowerGrade({C}, organizationId: $org, grade: 1)",
    "cancelGrade": f"cancelGrade({C}, organizationId: $org)",
    "imposePenalty": f'imposePenalty({C}, organizationId: $org, kind: "warning")',
    "recordPenaltyExecuted": f'recordPenaltyExecuted({C}, organizationId: $org, penaltyId: "x")',
    "addToAbnormalList": f'addToAbnormalList({C}, organizationId: $org, ground: "unreachable_at_domicile")',
    "removeFromAbnormalList": f"removeFromAbnormalList({C}, organizationId: $org)",
    "escalateToSeriousList": f"escalateToSeriousList({C}, organizationId: $org)",
    "addToSeriousList": f'addToSeriousList({C}, organizationId: $org, ground: "court_dishonest_debtor")',
    "removeFromSeriousList": f"removeFromSeriousList({C}, organizationId: $org)",
    "recordCourtDishonestDebtor": f'recordCourtDishonestDebtor({C}, organizationId: $org, notice: "(2026)渝执1号")',
    "acceptProposal": f"acceptProposal({C}, alertId: $alert)",
    "conferHonour": f'conferHonour({C}, organizationId: $org, title: "先进社会组织")',
    "fileObjection": f'fileObjection({C}, organizationId: $org, listingEvent: "x/1", documents: "材料")',
    "decideObjection": f'decideObjection({C}, organizationId: $org, objectionId: "x", upheld: true, reason: "理由")',
    "annulPenalty": f'annulPenalty({C}, organizationId: $org, penaltyId: "x", decision: "复议决定")',
    "declineProposal": f'declineProposal({C}, alertId: $alert, reason: "不予采纳")',
    "awardFunding": f'awardFunding({C}, input: {{organizationId: $org, purchasingUnit: "街道", projectName: "项目", amount: "100.00", periodStart: "2026-01-01", periodEnd: "2026-12-31"}})',
    "disburseFunding": f'disburseFunding({C}, projectId: $project, amount: "1.00")',
    "suspendFunding": f"suspendFunding({C}, projectId: $project)",
    "resumeFunding": f"resumeFunding({C}, projectId: $project)",
    "clawBackFunds": f'clawBackFunds({C}, projectId: $project, amount: "1.00")',
    "closeFundingProject": f'closeFundingProject({C}, projectId: $project, evaluation: "良")',
    "drawInspectionSample": f'drawInspectionSample({C}, year: 2027, jurisdiction: "yuzhong", population: [$org], seed: "s")',
    "openInspection": f'openInspection({C}, organizationId: $org, inspectors: ["甲", "乙"], subject: "检查")',
    "recordInspectionFindings": f'recordInspectionFindings({C}, caseId: $case, findings: "f", problemsFound: false)',
    "orderRectification": f'orderRectification({C}, caseId: $case, requirements: "r", deadline: "2027-01-01")',
    "confirmRectification": f"confirmRectification({C}, caseId: $case)",
    "recordRectificationOverdue": f"recordRectificationOverdue({C}, caseId: $case)",
    "closeInspection": f'closeInspection({C}, caseId: $case, conclusion: "c")',
    "countPartyMembers": f"countPartyMembers({C}, organizationId: $org, members: 3)",
    "setUpPartyOrganization": f'setUpPartyOrganization({C}, organizationId: $org, form: "joint", name: "支部")',
    "appointPartyInstructor": f'appointPartyInstructor({C}, organizationId: $org, name: "王")',
    "acknowledgeAlert": f"acknowledgeAlert({C}, alertId: $alert)",
    "resolveAlert": f'resolveAlert({C}, alertId: $alert, resolution: "r")',
    "acknowledgeTask": f"acknowledgeTask({C}, taskId: $task)",
    "assignTask": f'assignTask({C}, taskId: $task, assignee: "someone")',
    "transferTask": f'transferTask({C}, taskId: $task, to: "tax", reason: "r")',
    "requestTaskAssistance": f'requestTaskAssistance({C}, taskId: $task, department: "tax", note: "n")',
    "resolveTask": f'resolveTask({C}, taskId: $task, resolution: "r")',
    "recordPublicFundraisingQualification":
        f'recordPublicFundraisingQualification({C}, organizationId: $org, certificate: "民公募字〔2026〕1号")',
    "requestRevocation": f'requestRevocation({C}, organizationId: $org, ground: "fraud", facts: "材料")',
}


def test_every_query_field_of_the_schema_is_in_the_matrix(gateway):
    fields = gateway.data("audit-qian", '{ __type(name: "Query") { fields { name } } }')["__type"]["fields"]
    assert {f["name"] for f in fields} == set(QUERIES) == set(QUERY_ACCESS)


def test_every_mutation_of_the_schema_is_in_the_matrix(gateway):
    fields = gateway.data("audit-qian", '{ __type(name: "Mutation") { fields { name } } }')["__type"]["fields"]
    assert {f["name"] for f in fields} == set(MUTATIONS)


@pytest.mark.parametrize("user", list(USERS), ids=lambda u: u or "public")
@pytest.mark.parametrize("field", list(QUERIES))
def test_query_fields_by_role(gateway, user, field):
    role = USERS[user]
    street = "hualongqiao" if user == "hlq-wang" else "shangqingsi"
    org = gateway.org_id("重庆市渝中区化龙桥社区志愿者协会" if user == "hlq-wang" else "重庆市民悦社会工作服务中心")
    variables = {k: v for k, v in {"org": org, "street": street}.items() if f"${k}" in QUERIES[field]}
    code = gateway.code(user, QUERIES[field], variables)
    if role in QUERY_ACCESS[field]:
        expected = ALLOWED_ANSWER.get(field)  # asked of a task that does not exist: not found, once allowed
        assert code == expected, f"{user} should be able to query {field}, got {code}"
    else:
        assert code == "FORBIDDEN", f"{user} should be refused {field}, got {code}"


@pytest.fixture(scope="module")
def targets(gateway):
    """Records in each street that mutations can name: an organization, a project, a case, an alert."""
    app = gateway.app
    ids = {}
    for street, org_name in (("shangqingsi", "重庆市民悦社会工作服务中心"), ("hualongqiao", "重庆市渝中区化龙桥社区志愿者协会")):
        org = app.find_organization(org_name)
        ids[street] = {"org": str(org.id), "street": street}
    history = [e for e in app.recorded_events() if e.type in ("FundingProject.Awarded", "InspectionCase.Opened", "Alert.Raised")]
    ids["shangqingsi"]["project"] = next(e.aggregate_id for e in history if e.type == "FundingProject.Awarded")
    ids["shangqingsi"]["case"] = next(e.aggregate_id for e in history if e.type == "InspectionCase.Opened")
    ids["shangqingsi"]["alert"] = next(e.aggregate_id for e in history if e.type == "Alert.Raised")
    ids["shangqingsi"]["task"] = ids["shangqingsi"]["alert"]  # an alert is a task, named so by the task steps
    for key in ("project", "case", "alert", "task"):
        ids["hualongqiao"][key] = ids["shangqingsi"][key]
    return ids


@pytest.mark.parametrize("user", list(USERS), ids=lambda u: u or "public")
@pytest.mark.parametrize("mutation", list(MUTATIONS))
def test_mutations_by_role(gateway, targets, user, mutation):
    role = USERS[user]
    place = targets["hualongqiao" if user == "hlq-wang" else "shangqingsi"]
    text = MUTATIONS[mutation]
    names = [k for k in ("org", "street", "project", "case", "alert", "task") if f"${k}" in text]
    kinds = {"street": "String!"}
    signature = ", ".join(f"${k}: {kinds.get(k, 'ID!')}" for k in names)
    query = f"mutation({signature}) {{ {text} {{ eventIds }} }}" if names else f"mutation {{ {text} {{ eventIds }} }}"
    before = gateway.app.head_position()
    code = gateway.code(user, query, {k: place[k] for k in names})
    assert gateway.app.head_position() == before  # nothing recorded, allowed or not
    if mutation in MAY_RECORD[role]:
        assert code in ("BAD_USER_INPUT", "NOT_FOUND"), f"{user} may record {mutation}, got {code}"
    else:
        assert code == "FORBIDDEN", f"{user} must not record {mutation}, got {code}"


# -- districts -----------------------------------------------------------------------------------------
#
# Every role of both districts against every field that lists, filters or finds rows, with records in its
# own street, another street of its district and the other district, whose one street has the code of a
# yuzhong street (shangqingsi). What each caller should get is worked out here from the records themselves
# and the matrix: the audit office and the public (public fields) see every district, a street officer its
# own street, everyone else its own district; alerts also only when addressed to the caller's department.

DISTRICT_USERS = {**USERS, "jb-ca-wu": CIVIL, "jb-sqs-zhou": STREET, "jb-fin-zheng": FINANCE,
                  "jb-insp-feng": INSPECTION, "jb-tax-yang": PARTNER}
JURISDICTION = {"sqs-li": "yuzhong/shangqingsi", "hlq-wang": "yuzhong/hualongqiao", "jb-sqs-zhou": "jiangbei/shangqingsi",
                **{u: "jiangbei" for u in ("jb-ca-wu", "jb-fin-zheng", "jb-insp-feng", "jb-tax-yang")}}
DEPARTMENT = {"tax-he": "tax", "mr-xu": "market_regulation", "ps-guo": "public_security", "jb-tax-yang": "tax"}
SAMPLES = {("yuzhong", "shangqingsi"): "重庆市民悦社会工作服务中心", ("yuzhong", "hualongqiao"): "重庆市渝中区化龙桥社区志愿者协会",
           ("jiangbei", "shangqingsi"): JIANGBEI_REGISTERED}


def reaches(user, place):
    role = DISTRICT_USERS[user]
    if role in (AUDIT, PUBLIC):
        return True
    mine = JURISDICTION.get(user, "yuzhong").split("/")
    return list(place)[: len(mine)] == mine


def department(user):
    return DEPARTMENT.get(user, DISTRICT_USERS[user])


@pytest.fixture(scope="module")
def world(two_districts):
    """Every organization's place, and every alert, case and project with its organization, from the store."""
    gw, _ = two_districts
    places = {}
    for org_id in gw.app.organization_ids():
        org = gw.app.organization(org_id)
        places[str(org.id)] = (org.district, org.street)
    assert {p for p in places.values()} >= set(SAMPLES)
    events = list(gw.app.recorded_events())
    alerts = {e.aggregate_id: (str(e.data["organization_id"]), set(e.data["departments"]))
              for e in events if e.type == "Alert.Raised"}
    cases = {e.aggregate_id: str(e.data["organization_id"]) for e in events if e.type == "InspectionCase.Opened"}
    projects = {e.aggregate_id: str(e.data["organization_id"]) for e in events if e.type == "FundingProject.Awarded"}
    listed = {e["node"]["id"] for e in gw.data("audit-qian", "{ organizations(first: 200, filter: {creditList: ANY}) "
                                                             "{ edges { node { id } } } }")["organizations"]["edges"]}
    for kind, found in (("alert", alerts), ("case", cases), ("project", projects)):  # each district has some
        assert {places[v[0] if isinstance(v, tuple) else v][0] for v in found.values()} == {"yuzhong", "jiangbei"}, kind
    assert {places[o][0] for o in listed} == {"yuzhong", "jiangbei"}
    return {"places": places, "alerts": alerts, "cases": cases, "projects": projects, "listed": listed}


def _ids(rows):
    return {row["id"] for row in rows}


@pytest.mark.parametrize("user", list(DISTRICT_USERS), ids=lambda u: u or "public")
def test_organization_lists_and_filters_keep_to_the_callers_jurisdiction(two_districts, world, user):
    gw, places = two_districts[0], world["places"]
    mine = {o for o, place in places.items() if reaches(user, place)}
    listed = gw.data(user, "{ organizations(first: 200) { totalCount edges { node { id } } } }")["organizations"]
    assert {e["node"]["id"] for e in listed["edges"]} == mine and listed["totalCount"] == len(mine)
    query = "query($f: OrganizationFilter) { organizations(first: 200, filter: $f) { edges { node { id } } } }"
    named = gw.data(user, query, {"f": {"street": "shangqingsi"}})["organizations"]["edges"]
    assert {e["node"]["id"] for e in named} == {o for o in mine if places[o][1] == "shangqingsi"}
    on_lists = gw.data(user, query, {"f": {"creditList": "ANY"}})["organizations"]["edges"]
    assert {e["node"]["id"] for e in on_lists} == mine & world["listed"]


@pytest.mark.parametrize("user", list(DISTRICT_USERS), ids=lambda u: u or "public")
@pytest.mark.parametrize("field", ["organization", "organizationHistory", "organizationAsOf"])
@pytest.mark.parametrize("place", list(SAMPLES), ids="/".join)
def test_an_organization_is_found_only_in_the_callers_jurisdiction(two_districts, user, field, place):
    if DISTRICT_USERS[user] not in QUERY_ACCESS[field]:
        return  # refused whatever the organization: test_query_fields_by_role
    gw = two_districts[0]
    query = QUERIES[field].replace("first: 1", "first: 5").replace("2020-01-01", "2099-01-01")
    code = gw.code(user, query, {"org": gw.org_id(SAMPLES[place])})
    assert code == (None if reaches(user, place) else "NOT_FOUND"), (user, field, place)


LISTS = {  # field: (query, the rows' organizations in world)
    "alerts": "{ alerts(first: 200) { alerts { id } } }",
    "inspectionCases": "{ inspectionCases(first: 200) { id } }",
    "fundingProjects": "{ fundingProjects(first: 200) { id } }",
    "tasks": "{ tasks(first: 100) { tasks { id } } }",
}


@pytest.mark.parametrize("user", list(DISTRICT_USERS), ids=lambda u: u or "public")
@pytest.mark.parametrize("field", list(LISTS))
def test_alerts_cases_and_funding_keep_to_the_callers_jurisdiction(two_districts, world, user, field):
    if DISTRICT_USERS[user] not in QUERY_ACCESS[field]:
        return
    gw, places = two_districts[0], world["places"]
    body = gw.data(user, LISTS[field])[field]
    got = _ids(body[field] if field in ("alerts", "tasks") else body)
    if field == "alerts":
        expected = {a for a, (org, to) in world["alerts"].items() if reaches(user, places[org])
                    and (DISTRICT_USERS[user] == AUDIT or department(user) in to)}
    elif field == "tasks":  # the street sees every task about its street, whoever it is for
        expected = {a for a, (org, to) in world["alerts"].items() if reaches(user, places[org])
                    and (DISTRICT_USERS[user] in (AUDIT, STREET) or department(user) in to)}
    else:
        rows = world["cases" if field == "inspectionCases" else "projects"]
        expected = {row for row, org in rows.items() if reaches(user, places[org])}
    assert len(expected) < 100 and got == expected
    if field == "fundingProjects":  # and with a street asked for: that street of the caller's district(s)
        named = _ids(gw.data(user, '{ fundingProjects(first: 200, street: "shangqingsi") { id } }')["fundingProjects"])
        assert named == {p for p in expected if places[world["projects"][p]][1] == "shangqingsi"}


@pytest.mark.parametrize("user", list(DISTRICT_USERS), ids=lambda u: u or "public")
@pytest.mark.parametrize("street", ["shangqingsi", "hualongqiao"])
def test_a_street_overview_is_of_the_callers_district(two_districts, user, street):
    if DISTRICT_USERS[user] not in QUERY_ACCESS["streetOverview"]:
        return
    gw = two_districts[0]
    query = ("query($street: String!, $district: String) { streetOverview(street: $street, district: $district)"
             " { organizations byStatus { key count } openInspections creditListed { organizationId } funding { awarded } } }")
    of = {d: gw.data("audit-qian", query, {"street": street, "district": d})["streetOverview"]
          for d in ("yuzhong", "jiangbei") if (d, street) in SAMPLES}
    if len(of) == 2:
        assert of["yuzhong"] != of["jiangbei"]  # the two shangqingsi streets have different figures
    if DISTRICT_USERS[user] == AUDIT:
        expected = of["yuzhong"] if len(of) == 1 else None  # a street name two districts share needs the district
        body = gw.call(user, query, {"street": street})
        assert (body["data"]["streetOverview"] if expected else body["errors"][0]["extensions"]["code"]) == (
            expected or "BAD_USER_INPUT")
        return
    district = JURISDICTION.get(user, "yuzhong").split("/")[0]
    body = gw.call(user, query, {"street": street})
    if reaches(user, (district, street)) and district in of:
        assert body["data"]["streetOverview"] == of[district]
    else:
        assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    other = "jiangbei" if district == "yuzhong" else "yuzhong"  # naming the other district finds nothing
    assert gw.code(user, query, {"street": street, "district": other}) == "NOT_FOUND"


def test_the_alert_feed_keeps_to_the_callers_jurisdiction(fresh_gateway):
    """alertRaised: partner penalties raise alerts for civil affairs and the street, in turn in jiangbei and in
    yuzhong's street of the same name; each subscriber gets those of its own district (and street) alone."""
    gw = fresh_gateway
    jiangbei_org = seed_jiangbei(gw)["registered"]
    yuzhong_org = gw.org_id(SAMPLES[("yuzhong", "shangqingsi")])
    penalty = """mutation($id: ID!) { imposePenalty(command: {reason: "逾期申报", occurredOn: "2026-11-20"},
                 organizationId: $id, kind: "warning") { eventIds } }"""
    subscribers = ("sqs-li", "ca-zhang", "jb-sqs-zhou", "jb-ca-wu")
    with contextlib.ExitStack() as stack:
        feeds = {}
        for user in subscribers:
            ws = stack.enter_context(gw.client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]))
            ws.send_json({"type": "connection_init", "payload": {"Authorization": f"Bearer {gw.issuer.issue(user)}"}})
            assert ws.receive_json()["type"] == "connection_ack"
            ws.send_json({"id": "1", "type": "subscribe", "payload": {"query": "subscription { alertRaised { causes } }"}})
            feeds[user] = ws
        time.sleep(0.7)  # the feed starts from the newest alert there is
        raised = {"jiangbei": [], "yuzhong": []}
        for district, user, org in (("jiangbei", "jb-tax-yang", jiangbei_org), ("yuzhong", "tax-he", yuzhong_org)) * 2:
            raised[district].append(gw.data(user, penalty, {"id": org})["imposePenalty"]["eventIds"])
        for user, ws in feeds.items():
            # A penalty may raise more than one alert (one per credit-list ground it makes): each must cite
            # a penalty of the subscriber's own district, and every such penalty must be cited.
            own = raised[JURISDICTION.get(user, "yuzhong").split("/")[0]]
            expected = {cause for event_ids in own for cause in event_ids}
            cited: set[str] = set()
            for _ in range(10):
                if cited >= expected:
                    break
                message = ws.receive_json()
                assert message["type"] == "next", message
                causes = message["payload"]["data"]["alertRaised"]["causes"]
                assert set(causes) <= expected, (user, causes)
                cited |= set(causes)
            assert cited >= expected, user
