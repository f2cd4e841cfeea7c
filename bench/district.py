"""A district's worth of organizations for the benchmarks, recorded through the domain's own verbs.

About a dozen events each: registration, four years of annual reports and inspections, party members,
a funded project with a tranche, and every tenth one on the abnormal list. Saved 400 aggregates at a time.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from domain.context import Actor, Context, Department
from domain.credit_code import make_credit_code
from domain.funding import FundingProject
from domain.organization import Organization
from domain.people import Person

OFFICER = {d: Actor(f"{d.value}-1", f"{d.value}-officer", d, "officer") for d in Department}
STREETS = ["shangqingsi", "hualongqiao", "jiefangbei", "qixinggang", "lianglukou"]


def ctx(on: date, by: Department = Department.CIVIL_AFFAIRS) -> Context:
    return Context(OFFICER[by], "基准测试", on)


def generate(app, organizations: int, name: str = "基准社会组织") -> list[str]:
    """Record the organizations; return their ids."""
    chunk, ids = [], []
    for i in range(organizations):
        start = date(2012, 1, 2) + timedelta(days=i % 3000)
        org = Organization.register(
            ctx(start), name=f"{name}{i}", kind="social_group",
            credit_code=make_credit_code("social_group", "500103", i + 1), domicile="渝中区", purpose="公益",
            business_scope="服务", legal_representative=Person("张三", "500103198001011234", "13800000000"),
            funds=Decimal("30000"), district="yuzhong", street=STREETS[i % len(STREETS)], community="学田湾",
        )
        for year in range(start.year, min(start.year + 4, 2026)):
            org.submit_annual_report(ctx(date(year + 1, 4, 1)), year=year)
            org.conclude_annual_inspection(ctx(date(year + 1, 6, 1)), year=year, result="qualified")
        org.count_party_members(ctx(date(2025, 1, 5), Department.PARTY_BUILDING), members=i % 5)
        project = FundingProject.award(
            ctx(date(2025, 3, 1), Department.FINANCE), organization_id=org.id, funding_refusal=None,
            purchasing_unit="街道", project_name=f"项目{i}", amount=Decimal("80000"),
            period_start=date(2025, 3, 1), period_end=date(2025, 12, 31),
        )
        project.disburse_tranche(ctx(date(2025, 4, 1), Department.FINANCE), amount=Decimal("40000"),
                                 funding_refusal=None)
        if i % 10 == 0:
            org.add_to_abnormal_list(ctx(date(2025, 7, 1)), ground="unreachable_at_domicile")
        chunk += [org, project]
        ids.append(str(org.id))
        if len(chunk) >= 400:
            app.save(*chunk)
            chunk = []
    if chunk:
        app.save(*chunk)
    return ids
