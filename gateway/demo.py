"""The demo loader: 上清寺街道 and some of 化龙桥街道 (docs/domain.md, "Demo data"), recorded as it happened.

Every fact goes through a command of the Supervision service, in business-date order, with the recording
clock set to that date (09:00 Shanghai onwards), so history, replay and as-of queries show 2012–2026.
The facts are tables in gateway/demo_data.py; this module schedules them and runs the schedule.
"""

from __future__ import annotations

import time as timer
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

from eventsourcing.utils import get_topic

from domain.application import CommandResult, Supervision
from domain.clock import clock_set_to
from domain.context import Context
from domain.credit_code import make_credit_code
from domain.errors import Conflict, OrganizationNotFound
from domain.organization import Organization, OrgStatus
from gateway import demo_data as data
from gateway.demo_data import ACTORS, HUB_NAME, INSPECTORS, d, person

MONEY = Decimal("0.01")
ORGANIZATION_CREATED = [get_topic(Organization.Registered), get_topic(Organization.Filed)]
STEPS_PER_DAY = 240  # three minutes apart from 09:00 Shanghai: all inside the business day


class StoreNotEmpty(Conflict):
    """The demo is loaded only into a store without organizations, so it never mixes with or duplicates data."""


class DemoAlreadyLoaded(StoreNotEmpty):
    """The demo data is already in this store."""


@dataclass(frozen=True)
class DemoSummary:
    """What load_demo recorded, for the CLI to print."""

    organizations: int
    by_street: dict[str, dict[str, int]]  # street -> status -> count
    registered: int
    filed: int
    party_organizations: int
    party_members: int
    funding_projects: int
    funding_awarded: Decimal
    inspection_cases: int
    on_abnormal_list: list[str]
    commands: int
    events: int  # stored events, index entries included
    first_day: date
    last_day: date
    seconds: float = field(compare=False)

    def lines(self) -> list[str]:
        return [
            f"organizations: {self.organizations} ({self.registered} registered, {self.filed} filed)",
            *(f"  {street}: {sum(counts.values())} (" + ", ".join(f"{n} {s}" for s, n in counts.items()) + ")"
              for street, counts in self.by_street.items()),
            f"party organizations: {self.party_organizations}, party members: {self.party_members}",
            f"funding projects: {self.funding_projects}, awarded ¥{self.funding_awarded:,}",
            f"inspection cases: {self.inspection_cases}",
            f"on the abnormal list now: {', '.join(self.on_abnormal_list) or 'none'}",
            f"{self.commands} commands, {self.events} events, business dates {self.first_day}"
            f" to {self.last_day}, loaded in {self.seconds:.1f}s",
        ]


def load_demo(app: Supervision) -> DemoSummary:
    """Record the demo history into an empty store; refuse a store that already holds anything."""
    try:
        app.find_organization(HUB_NAME)
    except OrganizationNotFound:
        pass
    else:
        raise DemoAlreadyLoaded(f"the demo is already loaded: {HUB_NAME} is in the store")
    if app.recorder.select_notifications(start=None, limit=1, topics=ORGANIZATION_CREATED):
        raise StoreNotEmpty("the store already holds organizations; the demo loads only where there are none")
    started = timer.perf_counter()
    demo = _Demo(app)
    demo.schedule()
    demo.run()
    return demo.summary(timer.perf_counter() - started)


@dataclass
class _Step:
    on: date
    actor: str
    reason: str
    basis: str | None
    act: Callable[[Context], CommandResult | None]


class _Demo:
    """The schedule of steps, and what running it created (organization, project and case ids)."""

    def __init__(self, app: Supervision) -> None:
        self.app = app
        self.steps: list[_Step] = []
        self.orgs: dict[str, str] = {}  # key (registered) or name (filed) -> organization id
        self.projects: dict[str, str] = {}
        self.cases: dict[str, str] = {}
        self.draw_id = ""

    def at(self, on: date, actor: str, reason: str, basis: str | None,
           act: Callable[[Context], CommandResult | None]) -> None:
        """Schedule a command on a business date; offices are closed at weekends, so those move to Monday."""
        while on.weekday() >= 5:
            on += timedelta(days=1)
        self.steps.append(_Step(on, actor, reason, basis, act))

    def org(self, key: str) -> Organization:
        return self.app.organization(self.orgs[key])

    def run(self) -> None:
        """Run the steps in business-date order (stable within a day), each recorded on its own date."""
        per_day: Counter[date] = Counter()
        for step in sorted(self.steps, key=lambda s: s.on):
            n = per_day[step.on]
            per_day[step.on] += 1
            assert n < STEPS_PER_DAY, f"too many demo steps on {step.on}"
            moment = datetime.combine(step.on, time(1, 0), timezone.utc) + timedelta(minutes=3 * n)
            ctx = Context(ACTORS[step.actor], step.reason, step.on, step.basis)
            with clock_set_to(lambda m=moment: m):
                step.act(ctx)

    def schedule(self) -> None:
        self.organizations()
        self.changes()
        self.annual_duties()
        self.grades()
        self.party_building()
        self.funding()
        self.random_inspections()
        self.complaint_inspection()
        self.penalties()

    # -- registration and filing ----------------------------------------------------------------

    def organizations(self) -> None:
        for r in data.REGISTERED:
            rules = data.SOCIAL_GROUP_RULES if r.kind == "social_group" else data.PNE_RULES
            fields = dict(
                name=r.name, kind=r.kind, credit_code=make_credit_code(r.kind, data.DIVISION, r.serial),
                domicile=r.domicile, purpose=r.purpose, business_scope=r.business_scope,
                legal_representative=r.legal_representative, funds=r.funds, district=data.DISTRICT,
                street=r.street, community=r.community, activity_area=data.STREET_AREA[r.street],
                supervising_unit=r.supervising_unit, category=r.category, role=r.role,
            )
            self.at(r.registered_on, "ca-zhang", "准予成立登记，核发登记证书", f"{rules}；{r.document}",
                    self._created(r.key, lambda ctx, f=fields: self.app.register_organization(ctx, **f)))
        for i, f in enumerate(data.FILED):
            fields = dict(
                name=f.name, person_in_charge=person(20 + i), district=data.DISTRICT, street=f.street,
                community=f.community, activity_area=f"{f.community}社区", category=f.category, role=f.role,
            )
            self.at(f.filed_on, data.STREET_OFFICER[f.street], "社区社会组织申请备案，材料齐全，准予备案",
                    data.FILING_RULES,
                    self._created(f.name, lambda ctx, f=fields: self.app.file_community_organization(ctx, **f)))

    def _created(self, key: str, command: Callable[[Context], CommandResult]) -> Callable[[Context], CommandResult]:
        def act(ctx: Context) -> CommandResult:
            result = command(ctx)
            self.orgs[key] = result.aggregate_id
            return result

        return act

    def changes(self) -> None:
        """Changes of registration and filing, a conversion (转登记), a cancelled filing, a deregistration."""
        app = self.app
        self.at(d("2018-03-20"), "ca-zhang", "办公场地迁移，申请住所变更登记", "渝中民发〔2018〕11号",
                lambda ctx: app.change_registration(ctx, self.orgs["minyue"], domicile="重庆市渝中区中山四路36号"))
        self.at(d("2019-05-14"), "ca-zhang", "服务范围扩展至全区，申请名称变更登记", "渝中民发〔2019〕21号",
                lambda ctx: app.change_registration(ctx, self.orgs["xinshimin"], name="重庆市渝中区新市民服务中心"))
        self.at(d("2020-11-10"), "ca-zhang", "第二届会员大会换届选举，法定代表人变更并修订章程", "渝中民发〔2020〕47号",
                lambda ctx: app.change_registration(
                    ctx, self.orgs["hub"], legal_representative=person(8), charter_amended=True))
        self.at(d("2021-03-09"), "sqs-li", "原负责人因年龄原因卸任，团员推选新负责人", data.FILING_RULES,
                lambda ctx: app.change_filing(ctx, self.orgs["木兰艺术团"], person_in_charge=person(9)))
        yijia = "春森路社区逸家家庭社会工作服务中心"
        self.at(d("2021-06-18"), "ca-zhang", "业务规模扩大，由备案转为登记", f"{data.PNE_RULES}；渝中民发〔2021〕33号",
                lambda ctx: app.convert_to_registration(
                    ctx, self.orgs[yijia], kind="private_non_enterprise",
                    credit_code=make_credit_code("private_non_enterprise", data.DIVISION, 210601),
                    domicile="重庆市渝中区春森路21号", purpose="为社区家庭提供专业家庭社会工作服务",
                    business_scope="家庭关系调适；亲子教育指导；家庭危机干预", legal_representative=person(10),
                    funds=Decimal("30000.00")))
        self.at(d("2023-03-15"), "hlq-wang", "团队解散，负责人申请撤销备案", data.FILING_RULES,
                lambda ctx: app.cancel_filing(ctx, self.orgs["龙隐路广场舞队"]))
        self.at(d("2023-06-30"), "ca-zhang", "服务并入社区养老服务站，清算完毕申请注销登记", "渝中民发〔2023〕29号",
                lambda ctx: app.deregister(ctx, self.orgs["hlq-elderly"], liquidation_completed_on=d("2023-06-12")))

    # -- annual duties, evaluation ------------------------------------------------------------------

    def annual_duties(self) -> None:
        """Reports in April, inspection conclusions (one announcement a year) in June; one report missed."""
        duties = [(r.key, r.registered_on.year, 2022 if r.key == "hlq-elderly" else 2025) for r in data.REGISTERED]
        duties.append(("春森路社区逸家家庭社会工作服务中心", 2021, 2025))
        for n, (key, first, last) in enumerate(duties):
            for year in range(first, last + 1):
                report_on, inspected_on = date(year + 1, 4, 8 + n), date(year + 1, 6, 16 + n)
                if (key, year) in data.MISSED_REPORTS:
                    self.missed_report(key, year)
                    report_on, inspected_on = date(year + 1, 6, 28), date(year + 1, 7, 20)
                self.at(report_on, "ca-zhang", f"收到{year}年度工作报告", None,
                        lambda ctx, k=key, y=year: self.app.submit_annual_report(ctx, self.orgs[k], year=y))
                result = data.INSPECTION_RESULTS.get((key, year), "qualified")
                label = {"qualified": "合格", "basically_qualified": "基本合格"}[result]
                self.at(inspected_on, "ca-zhang", f"{year}年度年检结论：{label}", f"渝中民发〔{year + 1}〕20号",
                        lambda ctx, k=key, y=year, res=result: self.app.conclude_annual_inspection(
                            ctx, self.orgs[k], year=y, result=res))

    def missed_report(self, key: str, year: int) -> None:
        """Not in by 31 May: the abnormal list; the late report; removal on request once verified."""
        app, due = self.app, date(year + 1, 6, 10)
        self.at(due, "ca-zhang", f"未按规定报送{year}年度工作报告", data.CREDIT_RULES,
                lambda ctx: app.add_to_abnormal_list(ctx, self.orgs[key], ground="annual_report_missing"))
        self.at(date(year + 1, 7, 1), "ca-zhang", "已补报年度工作报告，经核实申请移出活动异常名录", data.CREDIT_RULES,
                lambda ctx: app.remove_from_abnormal_list(ctx, self.orgs[key], verified_on=date(year + 1, 6, 30)))

    def grades(self) -> None:
        for key, on, score, document in data.GRADES:
            self.at(on, "ca-zhang", f"社会组织等级评估，评估得分{score}分",
                    f"《社会组织评估管理办法》（民政部令第39号）；{document}",
                    lambda ctx, k=key, s=score: self.app.award_grade(ctx, self.orgs[k], score=s))

    # -- party building -----------------------------------------------------------------------------

    def party_building(self) -> None:
        app = self.app
        for key, members, form, name, on in data.PARTY:
            self.at(on, "party-liu", "社会组织党员人数核查", data.PARTY_RULES,
                    lambda ctx, k=key, m=members: app.count_party_members(ctx, self.orgs[k], members=m))
            reason = {"single": "党员3人以上，单独组建党支部", "joint": "党员不足3人，联合组建党支部",
                      "attached": "小型社区社会组织，挂靠致远促进会党支部"}[form]
            self.at(on, "party-liu", reason, data.PARTY_RULES,
                    lambda ctx, k=key, f=form, n=name: app.set_up_party_organization(
                        ctx, self.orgs[k], form=f, name=n,
                        host_organization_id=self.orgs["hub"] if f == "attached" else None))
        instructor, on = data.HUB_INSTRUCTOR
        self.at(on, "party-liu", "为枢纽型社会组织选派党建指导员", data.PARTY_RULES,
                lambda ctx: app.appoint_party_instructor(ctx, self.orgs["hub"], name=instructor))
        # Three members and no party organization yet: what the party-building rule is there to notice.
        self.at(d("2026-03-17"), "party-liu", "年度党员排查", data.PARTY_RULES,
                lambda ctx: app.count_party_members(ctx, self.orgs["木兰艺术团"], members=3))

    # -- funding (政府购买服务) ----------------------------------------------------------------------

    def funding(self) -> None:
        for i, (name, unit, year, amount) in enumerate(data.HUB_PROJECTS):
            self.project("hub", name, unit, year, amount, n=i)
        for i, (name, unit, year, amount) in enumerate(data.MINYUE_PROJECTS):
            self.project("minyue", name, unit, year, amount, n=i)
        rooms = [name for name, *_ in data.ROOMS]
        k = 0
        for year, amounts in data.ROOM_PROJECT_AMOUNTS.items():
            for i, amount in enumerate(amounts):
                room = rooms[k % len(rooms)]
                theme = data.ROOM_THEMES[k % len(data.ROOM_THEMES)]
                clawback = data.CLAWBACK[2] if data.CLAWBACK[:2] == (year, i) else None
                self.project(room, f"{room.removesuffix('社区社工室')}社区{theme}项目", data.SHANGQINGSI_OFFICE,
                             year, Decimal(amount), n=i, clawback=clawback)
                k += 1
        self.project("李子坝社区社工室", "李子坝社区“邻里守望”社区互助项目", data.HUALONGQIAO_OFFICE, 2024,
                     Decimal("40000.00"), n=0)

    def project(self, key: str, name: str, unit: str, year: int, amount: Decimal, *, n: int,
                clawback: Decimal | None = None) -> None:
        """Awarded in February; tranches; closed in December with an evaluation (this year's stay open)."""
        app, pkey = self.app, f"{year}:{name}"
        basis = data.PURCHASE_RULES if year >= 2020 else data.PURCHASE_RULES_OLD
        awarded_on = date(year, 2, 10 + 2 * n)

        def award(ctx: Context) -> CommandResult:
            result = app.award_funding(ctx, self.orgs[key], purchasing_unit=unit, project_name=name, amount=amount,
                                       period_start=date(year, 3, 1), period_end=date(year, 12, 31))
            self.projects[pkey] = result.aggregate_id
            return result

        self.at(awarded_on, "fin-chen", f"政府购买服务项目立项：{name}", basis, award)
        current = year == 2026
        shares = [Decimal("0.4"), Decimal("0.3")] if current else [Decimal("0.6"), Decimal("0.4")]
        tranches = [(amount * share).quantize(MONEY) for share in shares]
        if not current:
            tranches[-1] = amount - sum(tranches[:-1])
        for t, (tranche, on) in enumerate(zip(tranches, [awarded_on + timedelta(days=14), date(year, 7, 15 + n)])):
            self.at(on, "fin-chen", f"按合同拨付第{t + 1}笔项目资金", basis,
                    lambda ctx, a=tranche: app.disburse_funding(ctx, self.projects[pkey], amount=a))
        if current:
            return
        if clawback is not None:
            self.at(date(year, 12, 18), "fin-chen", "结项审计发现结余资金未使用，予以追回", basis,
                    lambda ctx: app.claw_back_funds(ctx, self.projects[pkey], amount=clawback))
        score = 80 + (n * 7 + year) % 16
        evaluation = f"结项评估{'优秀' if score >= 90 else '良好'}：服务目标基本达成，服务对象满意度较高"
        self.at(date(year, 12, 22), "fin-chen", "项目期满，组织结项评估", basis,
                lambda ctx: app.close_funding_project(ctx, self.projects[pkey], evaluation=evaluation, score=score))

    # -- inspection (双随机抽查 and a complaint) -----------------------------------------------------------

    def random_inspections(self) -> None:
        """The 2025 sample of 上清寺: who is drawn depends on the ids, so outcomes go by rank in the draw."""
        app = self.app

        def draw(ctx: Context) -> CommandResult:
            population = [i for k, i in self.orgs.items() if app.organization(i).street == data.SHANGQINGSI
                          and app.organization(i).is_active]
            result = app.draw_inspection_sample(ctx, year=2025, jurisdiction=data.SHANGQINGSI,
                                                population=population, seed="渝中民发〔2025〕8号-上清寺-第1批",
                                                ratio=Decimal("0.05"))
            self.draw_id = result.aggregate_id
            return result

        self.at(d("2025-04-15"), "insp-zhao", "2025年度社会组织“双随机、一公开”抽查：抽取检查对象", data.SAMPLING_RULES,
                draw)
        problems = {
            1: ("财务凭证不全，2024年部分活动未留存签到记录", "补齐财务凭证，建立活动台账", d("2025-07-31"), d("2025-07-22")),
            2: ("章程规定的负责人换届已逾期未进行", "依照章程完成负责人换届", d("2025-08-31"), d("2025-08-26")),
        }
        for rank in range(4):
            opened = date(2025, 5, 13 + rank)
            self.at(opened, "insp-zhao", "双随机抽查立案检查", data.SAMPLING_RULES,
                    lambda ctx, r=rank: self._open_drawn(ctx, r))
            if rank not in problems:
                self.at(opened, "insp-sun", "现场检查", data.SAMPLING_RULES,
                        lambda ctx, r=rank: app.record_inspection_findings(
                            ctx, self.cases[f"draw:{r}"], findings="资料齐全，活动开展正常，未发现问题",
                            problems_found=False))
                self.at(opened + timedelta(days=7), "insp-zhao", "检查未发现问题，结案", data.SAMPLING_RULES,
                        lambda ctx, r=rank: app.close_inspection(ctx, self.cases[f"draw:{r}"], conclusion="未发现问题"))
                continue
            findings, requirements, deadline, confirmed = problems[rank]
            self.inspection_with_rectification(f"draw:{rank}", opened, findings, requirements, deadline)
            self.at(confirmed, "insp-sun", "复查整改到位", data.SAMPLING_RULES,
                    lambda ctx, r=rank: app.confirm_rectification(ctx, self.cases[f"draw:{r}"]))
            self.at(confirmed + timedelta(days=6), "insp-zhao", "整改完成，结案", data.SAMPLING_RULES,
                    lambda ctx, r=rank: app.close_inspection(ctx, self.cases[f"draw:{r}"], conclusion="已按要求整改"))

    def _open_drawn(self, ctx: Context, rank: int) -> CommandResult:
        drawn = sorted(self.app.sample_draw(self.draw_id).drawn, key=lambda i: self.app.organization(i).name)
        result = self.app.open_inspection(ctx, drawn[rank], inspectors=INSPECTORS, sample_draw_id=self.draw_id,
                                          subject="2025年度双随机抽查：内部治理、财务管理、活动开展情况")
        self.cases[f"draw:{rank}"] = result.aggregate_id
        return result

    def inspection_with_rectification(self, key: str, opened: date, findings: str, requirements: str,
                                      deadline: date) -> None:
        self.at(opened, "insp-sun", "现场检查发现问题", None,
                lambda ctx: self.app.record_inspection_findings(ctx, self.cases[key], findings=findings,
                                                                problems_found=True))
        self.at(opened + timedelta(days=7), "insp-zhao", "责令限期整改", None,
                lambda ctx: self.app.order_rectification(ctx, self.cases[key], requirements=requirements,
                                                         deadline=deadline))

    def complaint_inspection(self) -> None:
        """A complaint about membership fees; the rectification deadline passes: the abnormal list, still on it."""
        app, team = self.app, "春森腰鼓队"

        def open_case(ctx: Context) -> CommandResult:
            result = app.open_inspection(ctx, self.orgs[team], inspectors=INSPECTORS,
                                         subject="群众投诉：以团队名义收取会费，收支情况未向队员公开")
            self.cases["complaint"] = result.aggregate_id
            return result

        self.at(d("2026-07-08"), "insp-zhao", "群众来信投诉，立案核查", None, open_case)
        self.inspection_with_rectification("complaint", d("2026-07-10"), "2025年以来收取会费约3,600元，未建立账目，未向队员公开收支",
                                           "建立收支台账并向全体队员公开，说明结余会费去向", d("2026-09-30"))
        self.at(d("2026-10-09"), "insp-sun", "整改期限届满，复查未整改", None,
                lambda ctx: app.record_rectification_overdue(ctx, self.cases["complaint"]))
        self.at(d("2026-10-15"), "ca-zhang", "未按期完成整改，列入活动异常名录", data.CREDIT_RULES,
                lambda ctx: app.add_to_abnormal_list(ctx, self.orgs[team], ground="rectification_overdue"))

    # -- penalties by partner departments and the abnormal list -----------------------------------------

    def penalties(self) -> None:
        self.minor_penalty("chunsheng", "tax-he", d("2023-08-10"), "fine", Decimal("200.00"),
                           "逾期未办理2023年第二季度纳税申报", "《中华人民共和国税收征收管理法》第六十二条",
                           executed=d("2023-08-18"), listed=d("2023-08-15"), removed=d("2024-02-19"))
        self.minor_penalty("hlq-neighbours", "mr-xu", d("2024-04-18"), "warning", None,
                           "培训招生宣传中使用“包就业”等承诺性表述", "《中华人民共和国广告法》第二十四条",
                           executed=d("2024-04-18"), listed=d("2024-04-25"), removed=d("2024-10-28"))

    def minor_penalty(self, key: str, actor: str, on: date, kind: str, amount: Decimal | None, reason: str,
                      basis: str, *, executed: date, listed: date, removed: date) -> None:
        """A partner's warning or small fine: executed, on the abnormal list, and off again after 6 months."""
        app = self.app
        self.at(on, actor, reason, basis, lambda ctx: app.impose_penalty(ctx, self.orgs[key], kind=kind, amount=amount))
        self.at(executed, actor, "处罚已执行完毕", basis, lambda ctx: app.record_penalty_executed(
            ctx, self.orgs[key], penalty_id=self.org(key).penalties[-1].penalty_id))
        self.at(listed, "ca-zhang", "受到警告或不满5万元罚款，列入活动异常名录", data.CREDIT_RULES,
                lambda ctx: app.add_to_abnormal_list(ctx, self.orgs[key], ground="warning_or_small_fine"))
        self.at(removed, "ca-zhang", "列入满6个月且无需整改，移出活动异常名录", data.CREDIT_RULES,
                lambda ctx: app.remove_from_abnormal_list(ctx, self.orgs[key]))

    # -- what was recorded ----------------------------------------------------------------------------

    def summary(self, seconds: float) -> DemoSummary:
        orgs = [self.app.organization(i) for i in dict.fromkeys(self.orgs.values())]
        active = [o for o in orgs if o.is_active]
        by_street: dict[str, dict[str, int]] = {}
        for o in orgs:
            counts = by_street.setdefault(o.street, {})
            counts[o.status.value] = counts.get(o.status.value, 0) + 1
        return DemoSummary(
            organizations=len(orgs),
            by_street=by_street,
            registered=sum(o.status == OrgStatus.REGISTERED for o in orgs),
            filed=sum(o.status == OrgStatus.FILED for o in orgs),
            party_organizations=sum(o.party_organization is not None for o in active),
            party_members=sum(o.party_members for o in active),
            funding_projects=len(self.projects),
            funding_awarded=sum((self.app.funding_project(p).amount for p in self.projects.values()), Decimal("0.00")),
            inspection_cases=len(self.cases),
            on_abnormal_list=sorted(o.name for o in orgs if o.on_abnormal_list),
            commands=len(self.steps),
            events=self.app.recorder.max_notification_id() or 0,
            first_day=min(s.on for s in self.steps),
            last_day=max(s.on for s in self.steps),
            seconds=seconds,
        )
