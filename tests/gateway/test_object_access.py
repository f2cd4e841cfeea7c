"""Object-level authorization and existence leaks of the mutations.

Every mutation, against every kind of object it names (organization, funding project, inspection case,
alert, sample draw, the host of a party organization, the organizations of a draw's population, the case
of a penalty), called by a role that may record it on an object it may not act on: in the other district
(both ways, the same-named street included), in another street, opened by another department, addressed
to another department. The answer is NOT_FOUND with the very message and code a made-up id gets, and
nothing is recorded. A role that may not record the mutation at all is FORBIDDEN before anything is read,
alike for an existing object and a made-up id.
"""

from __future__ import annotations

import uuid

import pytest

from tests.gateway.test_access_matrix import C, MAY_RECORD, MUTATIONS, USERS

YUZHONG = {"civil_affairs": "ca-zhang", "street_office": "sqs-li", "finance": "fin-chen", "inspection": "insp-zhao",
           "party_building": "party-liu", "partner": "tax-he"}
JIANGBEI = {"civil_affairs": "jb-ca-wu", "street_office": "jb-sqs-zhou", "finance": "jb-fin-zheng",
            "inspection": "jb-insp-feng", "partner": "jb-tax-yang"}
MINYUE = "重庆市民悦社会工作服务中心"  # yuzhong/shangqingsi
KINDS = {"org": "organization", "project": "funding project", "case": "inspection case", "alert": "alert",
         "task": "task", "draw": "sample draw", "place": "jurisdiction"}
TYPES = {"place": "String!"}
# Mutations naming a second object besides the one they act on ($own: an organization in the caller's reach).
SECOND = {
    "imposePenalty with a case": ("imposePenalty", f'imposePenalty({C}, organizationId: $own, kind: "warning", caseId: $case)'),
    "openInspection from a sample": ("openInspection", f'openInspection({C}, organizationId: $own, inspectors: ["甲", "乙"], '
                                                       'subject: "检查", sampleDrawId: $draw)'),
    "setUpPartyOrganization on a host": ("setUpPartyOrganization", f'setUpPartyOrganization({C}, organizationId: $own, '
                                                                    'form: "attached", name: "支部", hostOrganizationId: $org)'),
    "drawInspectionSample for a place": ("drawInspectionSample", f'drawInspectionSample({C}, year: 2027, jurisdiction: $place, '
                                                                 'population: [], seed: "s")'),
}


def _operation(text):
    names = [k for k in ("own", "org", "project", "case", "alert", "task", "draw", "place", "street")
             if f"${k}" in text]
    signature = ", ".join(f"${k}: {TYPES.get(k, 'ID!')}" for k in names)
    return f"mutation({signature}) {{ {text} {{ eventIds }} }}", names


@pytest.fixture(scope="module")
def records(two_districts):
    """Each district's records by kind, and the yuzhong records that are another department's or street's."""
    gw, jiangbei = two_districts
    events = list(gw.app.recorded_events())
    minyue = gw.org_id(MINYUE)
    places = {org_id: (org.district, org.street) for org_id in gw.app.organization_ids()
              for org in [gw.app.organization(org_id)]}

    def first(kind, keep=lambda e: True, street=None):
        return next(str(e.aggregate_id) for e in events if e.type == kind and keep(e)
                    and places[str(e.data["organization_id"])][0] == "yuzhong"
                    and street in (None, places[str(e.data["organization_id"])][1]))

    inspectors_case = first("InspectionCase.Opened", lambda e: str(e.ctx.actor.department) == "inspection")
    draws = [e for e in events if e.type == "SampleDraw.Drawn" and e.data["jurisdiction"].startswith("yuzhong")]
    if not draws:  # the demo draws none: draw one for a yuzhong street
        gw.data("insp-zhao", f"""mutation {{ drawInspectionSample({C.replace('" "', '"双随机抽查"')}, year: 2026,
            jurisdiction: "yuzhong/shangqingsi", population: ["{minyue}"], seed: "yz-2026") {{ eventIds }} }}""")
        draws = [e for e in gw.app.recorded_events() if e.type == "SampleDraw.Drawn"
                 and e.data["jurisdiction"].startswith("yuzhong")]
    yuzhong = {"org": minyue, "project": first("FundingProject.Awarded"), "case": inspectors_case,
               "alert": first("Alert.Raised"), "draw": str(draws[0].aggregate_id) if draws else None,
               "place": "yuzhong", "own": minyue}
    other = {"org": jiangbei["registered"], "project": jiangbei["project"], "case": jiangbei["case"],
             "alert": jiangbei["alert"], "draw": jiangbei["draw"], "place": "jiangbei", "own": jiangbei["registered"]}
    for district in (yuzhong, other):  # an alert is a task: the task steps name it so
        district["task"] = district["alert"]
    # An alert of 上清寺 for the street office and others, not for finance.
    street_alert = first("Alert.Raised", lambda e: "finance" not in e.data["departments"]
                         and "street_office" in e.data["departments"], street="shangqingsi")
    return {"yuzhong": yuzhong, "jiangbei": other, "inspectors_case": inspectors_case, "street_alert": street_alert,
            "minyue": minyue}


def _cases():
    """(test id, mutation, text, user, placeholder, the records' district the user is out of)."""
    for mutation, text in {**{m: (m, t) for m, t in MUTATIONS.items()}, **SECOND}.items():
        name, text = text
        _, names = _operation(text)
        targets = [k for k in names if k in KINDS]
        if not targets:
            continue  # registerOrganization, fileCommunityOrganization: a place given, no object loaded
        target = targets[-1]
        roles = [role for role, allowed in MAY_RECORD.items() if name in allowed]
        for role in roles:
            for users, out_of in ((YUZHONG, "jiangbei"), (JIANGBEI, "yuzhong")):
                # drawInspectionSample names yuzhong itself: from jiangbei, the place is the object out of reach
                if role in users and not (out_of == "yuzhong" and mutation == "drawInspectionSample"):
                    yield pytest.param(name, text, users[role], target, out_of, id=f"{mutation}-{users[role]}")


def _both(gw, user, text, names, target, given, made_up):
    """The first error of the mutation on the existing record and on a made-up id, and whether anything was recorded."""
    query, _ = _operation(text)
    answers = []
    for value in (given[target], made_up):
        before = gw.app.head_position()
        body = gw.call(user, query, {k: (value if k == target else given[k]) for k in names})
        assert gw.app.head_position() == before, f"{user} recorded {body}"
        assert body["errors"] and body["data"] is None, body
        answers.append({k: body["errors"][0][k] for k in ("message", "extensions")})
    return answers


@pytest.mark.parametrize(("name", "text", "user", "target", "out_of"), list(_cases()))
def test_an_object_out_of_reach_reads_as_a_made_up_one(two_districts, records, name, text, user, target, out_of):
    gw = two_districts[0]
    _, names = _operation(text)
    given = dict(records[out_of])
    given["own"] = records["jiangbei" if out_of == "yuzhong" else "yuzhong"]["own"]  # the acted-on organization: in reach
    assert given[target] is not None, f"the seed recorded no {target} in {out_of}"  # never a silent skip
    for made_up in (str(uuid.uuid4()), "no-such-id") if target != "place" else ("nowhere",):
        existing, missing = _both(gw, user, text, names, target, given, made_up)
        assert existing == missing == {"message": f"no such {KINDS[target]}", "extensions": {"code": "NOT_FOUND"}}


# In the caller's district, yet not the caller's to act on: another street, another department's case or alert.
IN_DISTRICT = [
    ("hlq-wang", "changeFiling", "org", "minyue"),  # a street officer, on another street of its district
    ("hlq-wang", "cancelFiling", "org", "minyue"),
    ("hlq-wang", "submitAnnualReport", "org", "minyue"),
    ("tax-he", "recordInspectionFindings", "case", "inspectors_case"),  # the finding of the review
    ("tax-he", "closeInspection", "case", "inspectors_case"),
    ("mr-xu", "recordInspectionFindings", "case", "inspectors_case"),
    ("ps-guo", "closeInspection", "case", "inspectors_case"),
    ("tax-he", "imposePenalty with a case", "case", "inspectors_case"),
    ("fin-chen", "acknowledgeAlert", "alert", "street_alert"),  # an alert for other departments
    ("fin-chen", "resolveAlert", "alert", "street_alert"),
    ("hlq-wang", "acknowledgeAlert", "alert", "street_alert"),  # ... of another street
    ("fin-chen", "acknowledgeTask", "task", "street_alert"),  # a task finance neither owns nor helps with
    ("fin-chen", "resolveTask", "task", "street_alert"),
    ("hlq-wang", "resolveTask", "task", "street_alert"),  # ... of another street: the street sees only its own
]


@pytest.mark.parametrize(("user", "mutation", "target", "record"), IN_DISTRICT)
def test_an_object_in_the_district_that_is_not_the_callers_reads_as_a_made_up_one(two_districts, records, user,
                                                                                     mutation, target, record):
    gw = two_districts[0]
    text = SECOND[mutation][1] if mutation in SECOND else MUTATIONS[mutation]
    _, names = _operation(text)
    given = dict(records["yuzhong"], own=records["minyue"])
    given[target] = records[record]
    existing, missing = _both(gw, user, text, names, target, given, str(uuid.uuid4()))
    assert existing == missing == {"message": f"no such {KINDS[target]}", "extensions": {"code": "NOT_FOUND"}}


@pytest.mark.parametrize("mutation", sorted(set(MUTATIONS) - {"registerOrganization", "fileCommunityOrganization"}))
def test_a_role_that_may_not_record_is_refused_before_anything_is_read(two_districts, records, mutation):
    gw = two_districts[0]
    text = MUTATIONS[mutation]
    _, names = _operation(text)
    user = next(u for u, role in USERS.items() if u and mutation not in MAY_RECORD[role])
    target = next(k for k in names if k in KINDS)
    existing, missing = _both(gw, user, text, names, target, records["yuzhong"], str(uuid.uuid4()))
    assert existing == missing and existing["extensions"] == {"code": "FORBIDDEN"}


def test_a_partner_acts_on_the_cases_its_own_department_opened_only(fresh_gateway):
    """Tax opens, finds and closes its own case; market regulation cannot touch it; tax cannot touch the
    inspectors' case of the same organization."""
    gw = fresh_gateway
    org = gw.org_id(MINYUE)
    opened = gw.data("tax-he", f"""mutation($org: ID!) {{ openInspection({C.replace('" "', '"税务检查"')},
        organizationId: $org, inspectors: ["税务甲", "税务乙"], subject: "纳税检查") {{ aggregateId }} }}""",
                     {"org": org})["openInspection"]["aggregateId"]
    inspectors = gw.data("insp-zhao", f"""mutation($org: ID!) {{ openInspection({C.replace('" "', '"抽查"')},
        organizationId: $org, inspectors: ["甲", "乙"], subject: "年度抽查") {{ aggregateId }} }}""",
                         {"org": org})["openInspection"]["aggregateId"]
    findings = f"""mutation($case: ID!) {{ recordInspectionFindings({C.replace('" "', '"检查发现"')}, caseId: $case,
        findings: "账目清楚", problemsFound: false) {{ eventIds }} }}"""
    close = f"""mutation($case: ID!) {{ closeInspection({C.replace('" "', '"结案"')}, caseId: $case,
        conclusion: "无问题") {{ eventIds }} }}"""
    for user, case in (("mr-xu", opened), ("tax-he", inspectors)):
        for query in (findings, close):
            body = gw.call(user, query, {"case": case})
            assert body["errors"][0]["message"] == "no such inspection case", (user, body)
    assert gw.data("tax-he", findings, {"case": opened})["recordInspectionFindings"]["eventIds"]
    assert gw.data("tax-he", close, {"case": opened})["closeInspection"]["eventIds"]
    assert gw.app.inspection_case(opened).closed_on is not None
    assert gw.app.inspection_case(inspectors).findings == []
