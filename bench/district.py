"""Organizations at any scale for the benchmarks, recorded through the domain's own verbs, streamed.

The one generator of the benchmarks (bench/scale.py names its sizes: a district, a city). Its vocabulary is
the demo's (gateway/demo_data.py): the communities, categories and activities of 上清寺 and 化龙桥, the
demo people, project themes, purchasing units and inspectors. Each organization gets a history from its
start (2008-2024) to 2026, as the departments would have recorded it:

- registered ones (社会团体, 社会服务机构, a few foundations): registration with its name and credit-code
  index entries, an annual report and an annual inspection a year, changes of registration, party members
  counted and a party organization set up, purchase-of-service projects (award, quarterly tranches,
  closing evaluation) for the service agencies, now and then an evaluation grade, an inspection case with
  findings and rectification, a spell on the abnormal list, a penalty, and for a few the end;
- filed community organizations (备案): filing and its name index entry, a change of filing, small street
  projects, party members, and for a few a cancelled filing.

Streamed: organizations are taken a cohort at a time (default 500), the cohort's steps run in date order
and are saved a business year at a time (so the log interleaves organizations the way real recording
does), then the cohort is dropped. Memory holds one cohort's aggregates, never the history.
Deterministic for a given seed.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import uuid4

from domain.context import Actor, Context, Department
from domain.credit_code import make_credit_code
from domain.errors import DomainError
from domain.funding import FundingProject
from domain.indexes import CreditCodeIndex, NameIndex
from domain.inspection import InspectionCase
from domain.organization import Organization
from domain.settings import DEFAULT_SETTINGS
from gateway import demo_data as demo

OFFICER = {d: Actor(f"{d.value}-1", f"{d.value}-officer", d, "officer") for d in Department}
LAST_YEAR = 2026  # histories run into this year
CUTOFF = date(2026, 11, 20)  # and no further: steps due later are not taken (a case stays open, say)


def ctx(on: date, by: Department = Department.CIVIL_AFFAIRS, reason: str = "基准测试", basis: str | None = None) -> Context:
    return Context(OFFICER[by], reason, on, basis)


# -- places ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Street:
    district: str  # code, e.g. yuzhong
    district_cn: str  # 渝中区
    division: str  # administrative division code, inside credit codes
    code: str  # e.g. shangqingsi
    name: str  # 上清寺
    communities: tuple[str, ...]


_HLQ_COMMUNITIES = tuple(dict.fromkeys(o.community for o in demo.FILED if o.street == demo.HUALONGQIAO))
# 渝中区's streets (code, name); 上清寺 and 化龙桥 with the demo's communities.
_YUZHONG = [
    ("shangqingsi", "上清寺"), ("hualongqiao", "化龙桥"), ("jiefangbei", "解放碑"), ("qixinggang", "七星岗"),
    ("lianglukou", "两路口"), ("caiyuanba", "菜园坝"), ("nanjimen", "南纪门"), ("chaotianmen", "朝天门"),
    ("daxigou", "大溪沟"), ("daping", "大坪"), ("shiyoulu", "石油路"),
]
# The other districts of the city, each with eight streets named from this list in turn.
_DISTRICTS = [
    ("jiangbei", "江北区", "500105"), ("shapingba", "沙坪坝区", "500106"), ("jiulongpo", "九龙坡区", "500107"),
    ("nanan", "南岸区", "500108"), ("dadukou", "大渡口区", "500104"), ("beibei", "北碚区", "500109"),
    ("yubei", "渝北区", "500112"), ("banan", "巴南区", "500113"), ("fuling", "涪陵区", "500102"),
    ("wanzhou", "万州区", "500101"), ("changshou", "长寿区", "500115"), ("jiangjin", "江津区", "500116"),
]
_STREET_NAMES = (
    "观音桥 华新街 五里店 石马河 大石坝 寸滩 郭家沱 铁山坪 渝碚路 石井坡 小龙坎 磁器口 童家桥 天星桥 井口 歌乐山"
    " 杨家坪 谢家湾 黄桷坪 石桥铺 二郎 中梁山 石坪桥 渝州路 南坪 花园路 铜元局 海棠溪 龙门浩 弹子石 南山 涂山"
    " 新山村 跃进村 八桥 九宫庙 茄子溪 春晖路 天生 朝阳 北温泉 东阳 龙溪 龙山 龙塔 双龙湖 鱼洞 龙洲湾 李家沱 花溪"
    " 敦仁 崇义 荔枝 江南 高笋塘 双河 牌楼 钟鼓楼 凤城 晏家 江南新城 菩提 几江 德感 双福 鼎山 圣泉 支坪 珞璜 白沙"
).split()
_COMMUNITY_NAMES = (
    "民生路 较场口 人和街 枇杷山 燕子岩 长江路 嘉陵桥 桂花园 鹅岭 佛图关 马家堡 黄花园 双钢路 大井巷 新华路 望龙门"
    " 白象街 储奇门 金汤街 罗汉寺 打铜街 五一路 邹容路 八一路 临江门 捍卫路 中华路 桂香阁 健康路 虎踞路 滨江路"
    " 新村 红星 胜利 和平 建设 幸福 团结 光明 东风 向阳 长安 永安 文化 工农 花园 锦绣 育才 丽苑 金竹"
).split()


def streets(districts: int) -> list[Street]:
    """渝中区's streets first, then those of ``districts - 1`` more districts."""
    found: list[Street] = []
    for k, (code, name) in enumerate(_YUZHONG):
        if code == demo.SHANGQINGSI:
            communities = tuple(demo.SHANGQINGSI_COMMUNITIES)
        elif code == demo.HUALONGQIAO:
            communities = _HLQ_COMMUNITIES
        else:
            communities = tuple(_COMMUNITY_NAMES[(k * 7 + j) % len(_COMMUNITY_NAMES)] for j in range(6))
        found.append(Street(demo.DISTRICT, "渝中区", demo.DIVISION, code, name, communities))
    names = iter(_STREET_NAMES * 3)
    for d, (district, district_cn, division) in enumerate(_DISTRICTS[: max(0, districts - 1)]):
        for s in range(8):
            communities = tuple(_COMMUNITY_NAMES[(d * 11 + s * 5 + j) % len(_COMMUNITY_NAMES)] for j in range(6))
            found.append(Street(district, district_cn, division, f"{district}-{s + 1:02d}", next(names), communities))
    return found


# -- vocabulary from the demo --------------------------------------------------------------------------


def _activity(org: demo.FiledOrg) -> str:
    """'学田湾社区读书会' -> '读书会': what a community organization does, without its community."""
    for prefix in (org.community + "社区", org.community):
        if org.name.startswith(prefix):
            return org.name[len(prefix):]
    return org.name


ACTIVITIES = sorted({(_activity(o), o.category) for o in demo.FILED if len(_activity(o)) >= 3})
# Registered organizations: (name ending, category, kind).
AGENCIES = [
    ("社会工作服务中心", "社会工作服务", "private_non_enterprise"), ("老年服务中心", "养老服务", "private_non_enterprise"),
    ("新市民服务中心", "群众互助", "private_non_enterprise"), ("自治物业中心", "群众互助", "private_non_enterprise"),
    ("睦邻社会工作服务中心", "社会工作服务", "private_non_enterprise"), ("青少年发展中心", "青少年服务", "private_non_enterprise"),
    ("助残服务中心", "助残服务", "private_non_enterprise"), ("心理咨询服务中心", "心理辅导", "private_non_enterprise"),
    ("社区志愿者协会", "志愿服务", "social_group"), ("社会公益事业发展促进会", "社会工作服务", "social_group"),
    ("老年协会", "养老服务", "social_group"), ("文化艺术协会", "文体娱乐", "social_group"),
    ("人民调解协会", "法律咨询", "social_group"), ("健康促进会", "健康咨询", "social_group"),
    ("慈善基金会", "志愿服务", "foundation"),
]
SERVICE_CATEGORIES = {"社会工作服务", "养老服务", "助残服务", "青少年服务", "心理辅导", "群众互助"}
PROJECT_THEMES = [t for t in demo.ROOM_THEMES] + [name for name, *_ in demo.HUB_PROJECTS + demo.MINYUE_PROJECTS]
PURCHASERS = ["民政局", "街道办事处", "财政局", "残疾人联合会", "妇女联合会"]
SUBJECTS = ["双随机抽查：年度工作报告与财务收支", "投诉举报核查：收费与服务", "专项检查：政府购买服务项目执行"]
DOCUMENTS = [demo.SOCIAL_GROUP_RULES, demo.PNE_RULES, demo.FILING_RULES, demo.CREDIT_RULES, demo.PURCHASE_RULES]
_NUMERALS = "一二三四五六七八九十"


def _weekday(on: date) -> date:
    while on.weekday() >= 5:
        on += timedelta(days=1)
    return on


# -- one organization's story --------------------------------------------------------------------------

Step = tuple[date, int, Callable[[], Any]]


class _Story:
    """The steps of one organization's history; each step changes aggregates held here."""

    def __init__(self, serial: int, street: Street, local: int, rng: random.Random) -> None:
        self.serial, self.street, self.rng = serial, street, rng
        self.org: Organization | None = None
        self.touched: list[Any] = []  # aggregates with pending events
        self.ended = False
        communities = street.communities
        community = communities[local % len(communities)]
        round_ = local // len(communities)
        self.registered = rng.random() < 0.62
        if self.registered:
            ending, self.category, self.kind = AGENCIES[round_ % len(AGENCIES)]
            again = round_ // len(AGENCIES)
            self.name = (f"重庆市{street.district_cn}{street.name}{community}"
                         f"{_NUMERALS[again - 1] + '号' if again else ''}{ending}")
        else:
            activity, self.category = ACTIVITIES[round_ % len(ACTIVITIES)]
            again = round_ // len(ACTIVITIES)
            self.kind = "community"
            self.name = (f"{street.district_cn}{street.name}街道{community}社区"
                         f"{_NUMERALS[again - 1] if again else ''}{activity}")
        self.community = community
        self.start = _weekday(date(2008, 1, 7) + timedelta(days=rng.randrange(0, 16 * 365 + 180)))

    def steps(self) -> Iterator[Step]:
        rng, start = self.rng, self.start
        yield start, 0, self._create
        last = LAST_YEAR
        ends = None
        if rng.random() < (0.04 if self.registered else 0.03) and start.year < 2023:
            ends = rng.randrange(start.year + 2, LAST_YEAR)
            last = ends
        reports = self.registered or rng.random() < 0.5
        for year in range(start.year, last) if reports else ():
            # the year's report in spring of the next, the annual inspection's conclusion in June
            yield _weekday(date(year + 1, 3, 20) + timedelta(days=rng.randrange(40))), 1, \
                lambda y=year: self._org_do("submit_annual_report", year=y)
            if self.registered:
                result = rng.choices(["qualified", "basically_qualified", "unqualified"], [90, 8, 2])[0]
                yield _weekday(date(year + 1, 6, 10) + timedelta(days=rng.randrange(20))), 2, \
                    lambda y=year, r=result: self._org_do("conclude_annual_inspection", year=y, result=r)
        # changes of registration or filing
        for year in range(start.year + 1, last + 1):
            if rng.random() < 0.12:
                on = _weekday(date(year, 1 + rng.randrange(11), 1 + rng.randrange(27)))
                yield on, 3, lambda n=rng.randrange(100000): self._change(n)
        # party building
        members = rng.choice([0, 0, 1, 2, 3, 3, 4, 5, 6, 8])
        if members:
            counted = min(start.year + 1, last)
            for year in range(counted, last + 1):
                yield _weekday(date(year, 1, 8 + rng.randrange(14))), 4, \
                    lambda m=members + (year - counted) // 4: self._org_do(
                        "count_party_members", by=Department.PARTY_BUILDING, members=m)
            if members >= 3 and rng.random() < 0.7:
                yield _weekday(date(counted, 5, 1) + timedelta(days=rng.randrange(60))), 5, lambda: self._org_do(
                    "set_up_party_organization", by=Department.PARTY_BUILDING, form="single",
                    name=f"{self.name}党支部", settings=DEFAULT_SETTINGS)
        # purchase of service
        funded = self.category in SERVICE_CATEGORIES and rng.random() < (0.8 if self.registered else 0.25)
        if funded:
            for year in range(max(start.year + 1, 2014), last + 1):
                if rng.random() < (0.75 if self.registered else 0.35):
                    yield from self._project(year, last)
        # evaluation, inspection, lists, penalties
        if self.registered and rng.random() < 0.15 and start.year + 3 <= last:
            year = rng.randrange(start.year + 3, last + 1)
            yield _weekday(date(year, 11, 10) + timedelta(days=rng.randrange(30))), 6, lambda s=rng.randrange(700, 960): \
                self._org_do("award_grade", score=s, settings=DEFAULT_SETTINGS)
        if rng.random() < (0.12 if self.registered else 0.04) and start.year + 1 <= last:
            yield from self._inspection(rng.randrange(start.year + 1, last + 1))
        if rng.random() < 0.06 and start.year + 1 <= last:
            on = _weekday(date(rng.randrange(start.year + 1, last + 1), 6, 10))
            yield on, 7, lambda: self._org_do("add_to_abnormal_list", ground=rng.choice(
                ["annual_report_missing", "unreachable_at_domicile"]))
            yield on + timedelta(days=120), 8, lambda v=on + timedelta(days=100): self._org_do(
                "remove_from_abnormal_list", verified_on=v, settings=DEFAULT_SETTINGS)
        if rng.random() < 0.02 and start.year + 1 <= last:
            department = rng.choice([Department.CIVIL_AFFAIRS, Department.TAX, Department.MARKET_REGULATION])
            on = _weekday(date(rng.randrange(start.year + 1, last + 1), 9, 1))
            yield on, 9, lambda: self._org_do("impose_penalty", by=department, penalty_id=uuid4().hex,
                                              kind="warning")
        if ends is not None:
            on = _weekday(date(ends, 12, 1))
            if self.registered:
                yield on, 10, lambda: self._org_do("deregister", liquidation_completed_on=on - timedelta(days=20))
            else:
                yield on, 10, lambda: self._org_do("cancel_filing", by=Department.STREET_OFFICE)
            yield on, 11, self._end

    # -- the steps' work --

    def _create(self) -> None:
        c = ctx(self.start, Department.CIVIL_AFFAIRS if self.registered else Department.STREET_OFFICE,
                "成立登记" if self.registered else "社区社会组织备案",
                demo.SOCIAL_GROUP_RULES if self.registered else demo.FILING_RULES)
        person = demo.person(self.serial % 997 + 10)
        s = self.street
        if self.registered:
            code = make_credit_code(self.kind, s.division, self.serial + 1)
            self.org = Organization.register(
                c, name=self.name, kind=self.kind, credit_code=code,
                domicile=f"重庆市{s.district_cn}{self.community}{self.serial % 200 + 1}号",
                purpose=f"面向{self.community}社区居民开展{self.category}", business_scope=f"{self.category}；政府购买服务项目承接",
                legal_representative=person, funds=Decimal(self.rng.choice(["20000", "30000", "50000", "100000"])),
                district=s.district, street=s.code, community=self.community, category=self.category,
                supervising_unit=demo.CIVIL_AFFAIRS_BUREAU if self.rng.random() < 0.3 else None,
            )
            self.touched.append(CreditCodeIndex(ctx=c, credit_code=code, organization_id=self.org.id))
        else:
            self.org = Organization.file(
                c, name=self.name, person_in_charge=person, district=s.district, street=s.code,
                community=self.community, activity_area=f"{self.community}社区", category=self.category,
                role=demo.ROLE_BY_CATEGORY.get(self.category),
            )
        self.touched += [self.org, NameIndex(ctx=c, name=self.name, organization_id=self.org.id)]

    def _org_do(self, method: str, by: Department = Department.CIVIL_AFFAIRS, **kwargs: Any) -> None:
        if self.ended or self.org is None:
            return
        on = self._on
        try:
            getattr(self.org, method)(ctx(on, by, "基准测试：" + method, self.rng.choice(DOCUMENTS)), **kwargs)
        except DomainError:
            return  # refused by the domain (not eligible, say): recorded as nothing, as in real life
        self.touched.append(self.org)

    def _change(self, n: int) -> None:
        if self.registered:
            self._org_do("change_registration", legal_representative=demo.person(n % 997 + 10))
        else:
            self._org_do("change_filing", by=Department.STREET_OFFICE, person_in_charge=demo.person(n % 997 + 10))

    def _project(self, year: int, last: int) -> Iterator[Step]:
        rng = self.rng
        amount = Decimal(rng.randrange(30, 200) * 1000) if self.registered else Decimal(rng.randrange(5, 30) * 1000)
        awarded = _weekday(date(year, 3, 1) + timedelta(days=rng.randrange(30)))
        holder: dict[str, FundingProject] = {}
        theme = rng.choice(PROJECT_THEMES)
        purchaser = f"重庆市{self.street.district_cn}{rng.choice(PURCHASERS)}"

        def award() -> None:
            if self.ended or self.org is None or self.org.funding_refusal:
                return
            holder["p"] = FundingProject.award(
                ctx(self._on, Department.FINANCE, "政府购买服务项目立项", demo.PURCHASE_RULES),
                organization_id=self.org.id, funding_refusal=None, purchasing_unit=purchaser,
                project_name=f"{year}年{self.community}{theme}", amount=amount,
                period_start=awarded, period_end=date(year, 12, 31))
            self.touched.append(holder["p"])

        def project_do(method: str, **kwargs: Any) -> None:
            project = holder.get("p")
            if project is None:
                return
            try:
                getattr(project, method)(ctx(self._on, Department.FINANCE, "项目资金拨付与结项", demo.PURCHASE_RULES),
                                         **kwargs)
            except DomainError:
                return
            self.touched.append(project)

        yield awarded, 20, award
        tranches = 5 if self.registered else 2
        for k in range(tranches):
            on = _weekday(date(year, 4 + k * (8 // tranches), 5 + rng.randrange(15)))
            yield on, 21, lambda: project_do("disburse_tranche", amount=amount / tranches, funding_refusal=None)
        if year < LAST_YEAR:
            yield _weekday(date(year + 1, 1, 10) + timedelta(days=rng.randrange(30))), 22, lambda: project_do(
                "close", evaluation=rng.choice(["优秀", "良好", "合格"]), score=rng.randrange(70, 100))

    def _inspection(self, year: int) -> Iterator[Step]:
        rng = self.rng
        opened = _weekday(date(year, 3, 1) + timedelta(days=rng.randrange(200)))
        problems = rng.random() < 0.5
        holder: dict[str, InspectionCase] = {}

        def open_case() -> None:
            if self.ended or self.org is None or not self.org.is_active:
                return
            c = ctx(self._on, Department.INSPECTION, "立案检查", demo.SAMPLING_RULES)
            case = InspectionCase.open(c, organization_id=self.org.id, inspectors=demo.INSPECTORS,
                                       subject=rng.choice(SUBJECTS), settings=DEFAULT_SETTINGS)
            self.org.note_investigation_opened(c, case_id=str(case.id))
            holder["c"] = case
            self.touched += [case, self.org]

        def case_do(method: str, **kwargs: Any) -> None:
            case = holder.get("c")
            if case is None:
                return
            c = ctx(self._on, Department.INSPECTION, "检查程序", demo.SAMPLING_RULES)
            getattr(case, method)(c, **kwargs)
            self.touched.append(case)
            if method == "close" and self.org is not None:
                self.org.note_investigation_closed(c, case_id=str(case.id))
                self.touched.append(self.org)

        yield opened, 30, open_case
        yield opened + timedelta(days=14), 31, lambda: case_do(
            "record_findings", findings="财务收支与年度报告不符" if problems else "未发现问题", problems_found=problems)
        if problems:
            yield opened + timedelta(days=20), 32, lambda: case_do(
                "order_rectification", requirements="限期规范财务管理", deadline=opened + timedelta(days=80))
            yield opened + timedelta(days=60), 33, lambda: case_do("confirm_rectification")
        yield opened + timedelta(days=90), 34, lambda: case_do("close", conclusion="结案")

    def _end(self) -> None:
        self.ended = True

    _on: date = date(2000, 1, 1)  # the business date of the step being run


def _cohort_steps(stories: list[_Story]) -> list[tuple[date, int, int, _Story, Callable[[], Any]]]:
    steps = []
    for k, story in enumerate(stories):
        for on, order, act in story.steps():
            if on <= CUTOFF:
                steps.append((on, k, order, story, act))
    steps.sort(key=lambda s: (s[0], s[1], s[2]))
    return steps


@dataclass
class Generated:
    """What generate() recorded."""

    organizations: int
    events: int
    seconds: float
    active_ids: list[str]  # organizations still in being at the end, in the order recorded
    active_in: dict[str, list[str]]  # the same, by district (e.g. "yuzhong")
    places: dict[str, tuple[str, str]] = field(default_factory=dict)  # the same: id -> (district, street)


def generate_streamed(app: Any, organizations: int, *, districts: int = 1, cohort: int = 500, seed: int = 2026,
                      progress: Callable[[int, int], None] | None = None) -> Generated:
    """Record ``organizations`` with their histories, a cohort at a time (see the module's docstring).

    ``districts``: how many districts they spread over (渝中区 first); ``progress(done, events)`` is
    called after each cohort.
    """
    places = streets(districts)
    per_street: dict[str, int] = {}
    active: list[str] = []
    active_in: dict[str, list[str]] = {}
    where: dict[str, tuple[str, str]] = {}
    events = 0
    started = time.perf_counter()
    for first in range(0, organizations, cohort):
        stories = []
        for serial in range(first, min(first + cohort, organizations)):
            street = places[serial % len(places)]
            local = per_street.get(street.code, 0)
            per_street[street.code] = local + 1
            stories.append(_Story(serial, street, local, random.Random(seed * 1_000_003 + serial)))
        year = None
        for on, _, _, story, act in _cohort_steps(stories):
            if on.year != year:
                events += _save(app, stories)
                year = on.year
            story._on = on
            act()
        events += _save(app, stories)
        for story in stories:
            if story.org is not None and story.org.is_active:
                active.append(str(story.org.id))
                active_in.setdefault(story.street.district, []).append(str(story.org.id))
                where[str(story.org.id)] = (story.street.district, story.street.code)
        if progress is not None:
            progress(min(first + cohort, organizations), events)
    return Generated(organizations, events, time.perf_counter() - started, active, active_in, where)


def _save(app: Any, stories: list[_Story]) -> int:
    pending: dict[int, Any] = {}
    for story in stories:
        for aggregate in story.touched:
            pending[id(aggregate)] = aggregate
        story.touched = []
    aggregates = [a for a in pending.values() if a.pending_events]
    if not aggregates:
        return 0
    count = sum(len(a.pending_events) for a in aggregates)
    app.save(*aggregates)
    return count


def generate(app: Any, organizations: int, *, districts: int = 1, seed: int = 2026) -> list[str]:
    """Record the organizations (渝中区 by default); return the ids of those still in being."""
    return generate_streamed(app, organizations, districts=districts, seed=seed).active_ids
