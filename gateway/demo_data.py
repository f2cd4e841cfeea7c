"""The demo's facts, as tables (docs/domain.md, "Demo data"): 上清寺街道's 74 social organizations, some of 化龙桥街道's,
the officers who record them, and the documents they cite. The loader (gateway/demo.py) turns them into
commands in date order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from domain.context import Actor, Department
from domain.people import Person

DISTRICT = "yuzhong"  # 渝中区
DIVISION = "500103"  # administrative division code of 渝中区, inside credit codes
SHANGQINGSI = "shangqingsi"  # 上清寺街道
HUALONGQIAO = "hualongqiao"  # 化龙桥街道
HUB_NAME = "重庆市渝中区上清寺致远社会公益事业发展促进会"
MINYUE_NAME = "重庆市民悦社会工作服务中心"
SHANGQINGSI_OFFICE = "重庆市渝中区人民政府上清寺街道办事处"
HUALONGQIAO_OFFICE = "重庆市渝中区人民政府化龙桥街道办事处"
CIVIL_AFFAIRS_BUREAU = "重庆市渝中区民政局"
INSPECTORS = ["赵明", "孙丽"]  # insp-zhao, insp-sun: two inspectors (执法人员不少于2人)

ACTORS = {
    "ca-zhang": Actor("ca-zhang", "ca-zhang", Department.CIVIL_AFFAIRS, "officer"),
    "sqs-li": Actor("sqs-li", "sqs-li", Department.STREET_OFFICE, "officer"),
    "hlq-wang": Actor("hlq-wang", "hlq-wang", Department.STREET_OFFICE, "officer"),
    "fin-chen": Actor("fin-chen", "fin-chen", Department.FINANCE, "officer"),
    "insp-zhao": Actor("insp-zhao", "insp-zhao", Department.INSPECTION, "inspector"),
    "insp-sun": Actor("insp-sun", "insp-sun", Department.INSPECTION, "inspector"),
    "party-liu": Actor("party-liu", "party-liu", Department.PARTY_BUILDING, "officer"),
    "tax-he": Actor("tax-he", "tax-he", Department.TAX, "officer"),
    "mr-xu": Actor("mr-xu", "mr-xu", Department.MARKET_REGULATION, "officer"),
}
STREET_OFFICER = {SHANGQINGSI: "sqs-li", HUALONGQIAO: "hlq-wang"}
STREET_AREA = {SHANGQINGSI: "上清寺街道辖区", HUALONGQIAO: "化龙桥街道辖区"}

# Documents cited as legal basis.
SOCIAL_GROUP_RULES = "《社会团体登记管理条例》"
PNE_RULES = "《民办非企业单位登记管理暂行条例》"
FILING_RULES = "渝中区《基层社会组织登记管理暂行办法》"
CREDIT_RULES = "《社会组织信用信息管理办法》（民政部令第60号）"
SAMPLING_RULES = "《社会组织抽查暂行办法》（民发〔2017〕45号）"
PARTY_RULES = "《街道非公组织党建工作手册》"
PURCHASE_RULES_OLD = "《关于政府向社会力量购买服务的指导意见》（国办发〔2013〕96号）"
PURCHASE_RULES = "《政府购买服务管理办法》（财政部令第102号）"


def d(text: str) -> date:
    return date.fromisoformat(text)


# -- people (made up; their ID numbers and phones are synthetic, for masking demos) ------------------

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢"
_GIVEN = ["秀英", "建国", "桂芳", "志强", "玉兰", "德明", "丽华", "国庆", "淑珍", "文斌", "红梅", "海燕",
          "永红", "建华", "春兰", "晓东", "立新", "素琴", "家富", "明芳", "光荣", "惠玲", "正刚"]
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def person(n: int) -> Person:
    """The n-th demo person: a plausible name, a well-formed synthetic ID number and an unassigned phone."""
    born = date(1950 + n * 7 % 30, 1 + n % 12, 1 + n * 5 % 28)
    body = f"{DIVISION}{born:%Y%m%d}{n % 1000:03d}"
    check = "10X98765432"[sum(int(c) * w for c, w in zip(body, _ID_WEIGHTS, strict=True)) % 11]
    name = _SURNAMES[n * 7 % len(_SURNAMES)] + _GIVEN[n * 3 % len(_GIVEN)]
    return Person(name, id_number=body + check, phone=f"023-0000{n:04d}")


# -- organizations registered with civil affairs (成立登记) ------------------------------------------


@dataclass(frozen=True)
class RegisteredOrg:
    key: str
    name: str
    kind: str
    street: str
    community: str | None
    category: str
    role: str | None
    registered_on: date
    serial: int  # in the credit code
    domicile: str
    purpose: str
    business_scope: str
    legal_representative: Person
    funds: Decimal
    supervising_unit: str | None
    document: str  # 登记批准文号


REGISTERED = [
    RegisteredOrg(
        "minyue", MINYUE_NAME, "private_non_enterprise", SHANGQINGSI, "上清寺路", "社会工作服务",
        "social_work_agency", d("2013-05-16"), 130501, "重庆市渝中区上清寺路18号附2号",
        "运用社会工作专业方法，协助居委会推进居民自治，提供家庭社会工作服务",
        "个案、小组及社区社会工作服务；社会工作督导与培训；政府购买服务项目承接",
        Person("周昌祥"), Decimal("30000.00"), CIVIL_AFFAIRS_BUREAU, "渝中民发〔2013〕27号",
    ),
    RegisteredOrg(
        "hub", HUB_NAME, "social_group", SHANGQINGSI, None, "社会工作服务", "hub", d("2014-10-20"), 141001,
        "重庆市渝中区上清寺路47号", "联系服务辖区社会组织，统合社区社会工作力量，培育发展社区社会组织",
        "社会组织孵化培育；社工专业培训与督导；公益项目策划运作；志愿服务与爱心救助",
        person(1), Decimal("50000.00"), SHANGQINGSI_OFFICE, "渝中民发〔2014〕12号",
    ),
    RegisteredOrg(
        "xinshimin", "重庆市渝中区上清寺新市民服务中心", "private_non_enterprise", SHANGQINGSI, "学田湾",
        "群众互助", "mutual_aid", d("2016-03-22"), 160301, "重庆市渝中区学田湾正街9号",
        "帮助外来务工人员及新市民融入社区", "就业信息咨询；社会融入活动；子女教育支持；权益保护咨询",
        person(2), Decimal("30000.00"), None, "渝中民发〔2016〕9号",
    ),
    RegisteredOrg(
        "wuye", "上清寺路自治物业中心", "private_non_enterprise", SHANGQINGSI, "上清寺路", "群众互助",
        "self_governed_property", d("2017-08-08"), 170801, "重庆市渝中区上清寺路63号",
        "在社区党委、居委会领导下，组织居民自治管理老旧楼院物业",
        "老旧楼院自治物业服务；楼栋公共设施维护协调；居民议事协商", person(3), Decimal("20000.00"),
        None, "渝中民发〔2017〕31号",
    ),
    RegisteredOrg(
        "chunsheng", "春生社工室", "private_non_enterprise", SHANGQINGSI, "曾家岩", "社会工作服务",
        "social_work_agency", d("2018-04-12"), 180401, "重庆市渝中区曾家岩50号附1号",
        "以社区社工室人员为班底，开展专业社会工作服务", "个案、小组社会工作服务；老年人、未成年人关爱服务",
        person(4), Decimal("20000.00"), None, "渝中民发〔2018〕15号",
    ),
    RegisteredOrg(
        "hlq-volunteers", "重庆市渝中区化龙桥社区志愿者协会", "social_group", HUALONGQIAO, "李子坝",
        "志愿服务", "volunteer", d("2015-05-19"), 150501, "重庆市渝中区李子坝正街112号",
        "组织辖区居民开展志愿服务", "志愿者招募培训；社区志愿服务活动", person(5), Decimal("30000.00"),
        "重庆市渝中区人民政府化龙桥街道办事处", "渝中民发〔2015〕18号",
    ),
    RegisteredOrg(
        "hlq-elderly", "重庆市渝中区红岩村老年服务中心", "private_non_enterprise", HUALONGQIAO, "红岩村",
        "养老服务", "elderly_care", d("2013-04-09"), 130401, "重庆市渝中区红岩村52号",
        "为社区老年人提供日间照料与助餐服务", "日间照料；助餐送餐；老年文体活动", person(6),
        Decimal("50000.00"), CIVIL_AFFAIRS_BUREAU, "渝中民发〔2013〕14号",
    ),
    RegisteredOrg(
        "hlq-neighbours", "重庆市渝中区化龙桥睦邻社会工作服务中心", "private_non_enterprise", HUALONGQIAO,
        "虎头岩", "社会工作服务", "social_work_agency", d("2017-09-26"), 170901,
        "重庆市渝中区虎头岩路8号", "以专业社会工作促进邻里互助", "社会工作服务；职业技能培训；邻里互助活动",
        person(7), Decimal("30000.00"), None, "渝中民发〔2017〕40号",
    ),
]

# -- community organizations filed at the street (备案) ----------------------------------------------

SHANGQINGSI_COMMUNITIES = ["上清寺路", "学田湾", "春森路", "曾家岩", "中山四路", "牛角沱", "聚兴村"]
ROLE_BY_CATEGORY = {
    "文体娱乐": "culture_sports", "志愿服务": "volunteer", "法律咨询": "legal_aid", "心理辅导": "counselling",
    "权益保护": "rights_protection", "群众互助": "mutual_aid", "健康咨询": "health", "养老服务": "elderly_care",
    "青少年服务": "youth", "助残服务": "disability", "社会工作服务": "community_social_work_room",
}

# 7 community social-work rooms (社区社工室), set up in 2014 and each filed.
ROOMS = [(f"{c}社区社工室", c, "社会工作服务", d(f"2014-{6 + i // 4:02d}-{3 + i * 4:02d}"))
         for i, c in enumerate(SHANGQINGSI_COMMUNITIES)]

# name | community | category | filed on.  The first seven are the street's best-known groups.
_SHANGQINGSI_GROUPS = """
民革重庆中山合唱团 | 中山四路 | 文体娱乐 | 2012-04-10
木兰艺术团 | 曾家岩 | 文体娱乐 | 2012-09-18
春森腰鼓队 | 春森路 | 文体娱乐 | 2013-03-05
曾家岩太极拳剑队 | 曾家岩 | 文体娱乐 | 2013-04-22
学田湾“法之情”矛盾纠纷调解室 | 学田湾 | 法律咨询 | 2013-07-16
春森路社区逸家家庭社会工作服务中心 | 春森路 | 心理辅导 | 2015-09-08
“工友之家”服务社 | 上清寺路 | 权益保护 | 2013-11-12
上清寺路社区巾帼志愿服务队 | 上清寺路 | 志愿服务 | 2013-06-04
上清寺路楼栋长互助会 | 上清寺路 | 群众互助 | 2014-03-18
上清寺路社区老年书画社 | 上清寺路 | 文体娱乐 | 2012-11-20
上清寺路“夕阳红”健身操队 | 上清寺路 | 文体娱乐 | 2015-04-14
上清寺路社区助残志愿服务队 | 上清寺路 | 助残服务 | 2017-05-09
上清寺路社区四点半课堂 | 上清寺路 | 青少年服务 | 2016-09-01
上清寺路邻里守望队 | 上清寺路 | 群众互助 | 2019-03-12
上清寺路社区健康义诊服务队 | 上清寺路 | 健康咨询 | 2021-06-15
学田湾社区志愿者服务队 | 学田湾 | 志愿服务 | 2012-06-19
学田湾社区川剧票友会 | 学田湾 | 文体娱乐 | 2013-09-24
学田湾社区老年协会 | 学田湾 | 养老服务 | 2014-04-08
学田湾“心语”心理咨询室 | 学田湾 | 心理辅导 | 2016-05-17
学田湾社区读书会 | 学田湾 | 文体娱乐 | 2018-04-23
学田湾社区青少年托管服务队 | 学田湾 | 青少年服务 | 2019-07-02
学田湾社区平安巡逻队 | 学田湾 | 志愿服务 | 2020-10-13
学田湾社区模特队 | 学田湾 | 文体娱乐 | 2023-03-21
春森路社区舞蹈队 | 春森路 | 文体娱乐 | 2012-10-16
春森路社区居民议事会 | 春森路 | 群众互助 | 2015-01-20
春森路社区爱心帮扶队 | 春森路 | 群众互助 | 2014-09-09
春森路社区健康讲师团 | 春森路 | 健康咨询 | 2017-03-28
春森路社区法律服务志愿队 | 春森路 | 法律咨询 | 2016-11-15
春森路社区乒乓球协会 | 春森路 | 文体娱乐 | 2018-10-30
春森路社区“银龄互助”服务队 | 春森路 | 养老服务 | 2020-05-19
春森路社区垃圾分类督导队 | 春森路 | 志愿服务 | 2024-05-07
曾家岩社区合唱团 | 曾家岩 | 文体娱乐 | 2013-01-15
曾家岩社区红色宣讲团 | 曾家岩 | 志愿服务 | 2016-06-28
曾家岩社区邻里调解队 | 曾家岩 | 法律咨询 | 2015-08-11
曾家岩社区爱心编织社 | 曾家岩 | 群众互助 | 2017-12-05
曾家岩社区残疾人康复互助小组 | 曾家岩 | 助残服务 | 2019-04-16
曾家岩社区摄影协会 | 曾家岩 | 文体娱乐 | 2014-11-25
曾家岩社区亲子阅读小组 | 曾家岩 | 青少年服务 | 2022-04-12
曾家岩社区义剪服务队 | 曾家岩 | 志愿服务 | 2021-09-07
中山四路社区书法协会 | 中山四路 | 文体娱乐 | 2012-12-11
中山四路社区文物讲解志愿队 | 中山四路 | 志愿服务 | 2015-10-20
中山四路社区老年门球队 | 中山四路 | 文体娱乐 | 2013-10-29
中山四路社区“法律明白人”服务队 | 中山四路 | 法律咨询 | 2018-06-19
中山四路社区健康教育志愿队 | 中山四路 | 健康咨询 | 2016-03-15
中山四路社区助老送餐队 | 中山四路 | 养老服务 | 2020-12-08
中山四路社区京剧票友社 | 中山四路 | 文体娱乐 | 2014-07-22
中山四路社区消费维权服务站 | 中山四路 | 权益保护 | 2022-09-20
牛角沱社区广场舞队 | 牛角沱 | 文体娱乐 | 2013-05-21
牛角沱社区志愿消防队 | 牛角沱 | 志愿服务 | 2016-10-11
牛角沱社区象棋协会 | 牛角沱 | 文体娱乐 | 2014-02-25
牛角沱社区“暖心”帮困服务队 | 牛角沱 | 群众互助 | 2017-07-18
牛角沱社区青少年足球队 | 牛角沱 | 青少年服务 | 2019-09-10
牛角沱社区手语志愿服务队 | 牛角沱 | 助残服务 | 2021-03-23
牛角沱社区心理疏导志愿队 | 牛角沱 | 心理辅导 | 2023-08-29
牛角沱社区老年健身队 | 牛角沱 | 文体娱乐 | 2015-06-16
聚兴村社区太极队 | 聚兴村 | 文体娱乐 | 2013-08-13
聚兴村社区志愿服务队 | 聚兴村 | 志愿服务 | 2014-05-27
聚兴村社区妇女维权服务站 | 聚兴村 | 权益保护 | 2016-12-06
聚兴村社区空巢老人关爱队 | 聚兴村 | 养老服务 | 2018-09-04
聚兴村社区腰鼓队 | 聚兴村 | 文体娱乐 | 2015-11-24
聚兴村社区家庭教育指导小组 | 聚兴村 | 青少年服务 | 2022-11-15
聚兴村社区健康自我管理小组 | 聚兴村 | 健康咨询 | 2025-03-18
"""

_HUALONGQIAO_GROUPS = """
李子坝社区社工室 | 李子坝 | 社会工作服务 | 2014-08-12
红岩村社区社工室 | 红岩村 | 社会工作服务 | 2014-08-19
虎头岩夕阳红合唱团 | 虎头岩 | 文体娱乐 | 2013-06-25
李子坝巾帼志愿服务队 | 李子坝 | 志愿服务 | 2015-03-10
龙隐路广场舞队 | 龙隐路 | 文体娱乐 | 2016-05-24
红岩村法律援助志愿服务站 | 红岩村 | 法律咨询 | 2018-11-06
虎头岩社区助残服务队 | 虎头岩 | 助残服务 | 2020-07-14
"""

ROLE_OVERRIDES = {
    "学田湾“法之情”矛盾纠纷调解室": "mediation",
    "曾家岩社区邻里调解队": "mediation",
    "春森路社区逸家家庭社会工作服务中心": "family_social_work",
}


@dataclass(frozen=True)
class FiledOrg:
    name: str
    street: str
    community: str
    category: str
    role: str
    filed_on: date


def _rows(table: str, street: str) -> list[FiledOrg]:
    rows = []
    for line in table.strip().splitlines():
        name, community, category, filed_on = (cell.strip() for cell in line.split("|"))
        role = ROLE_OVERRIDES.get(name, ROLE_BY_CATEGORY[category])
        rows.append(FiledOrg(name, street, community, category, role, d(filed_on)))
    return rows


FILED = (
    [FiledOrg(n, SHANGQINGSI, c, cat, ROLE_BY_CATEGORY[cat], on) for n, c, cat, on in ROOMS]
    + _rows(_SHANGQINGSI_GROUPS, SHANGQINGSI)
    + _rows(_HUALONGQIAO_GROUPS, HUALONGQIAO)
)

# -- annual duties: exceptions to "report in April, inspection 合格 in June" ---------------------------

MISSED_REPORTS = {("wuye", 2021)}  # → abnormal list, then a late report and removal on request
INSPECTION_RESULTS = {("wuye", 2021): "basically_qualified", ("chunsheng", 2023): "basically_qualified",
                      ("hlq-neighbours", 2024): "basically_qualified"}
# (org, date, score, 文号): 社会组织评估 on the 1000-point scale
GRADES = [
    ("minyue", d("2017-12-05"), 768, "渝中民发〔2017〕66号"),
    ("hub", d("2019-11-20"), 852, "渝中民发〔2019〕58号"),
    ("minyue", d("2022-12-09"), 836, "渝中民发〔2022〕71号"),
    ("hub", d("2024-11-25"), 915, "渝中民发〔2024〕63号"),
]

# -- party building (党建): 8 organizations with a party organization, 22 members among them -----------

# (org, members, form, party organization name, set up on); attached ones hang on the hub's branch (挂靠).
PARTY = [
    ("hub", 5, "single", "致远促进会党支部", d("2015-03-18")),
    ("minyue", 3, "single", "民悦社工党支部", d("2016-06-21")),
    ("春森腰鼓队", 2, "attached", "春森腰鼓队党支部", d("2018-05-15")),
    ("曾家岩太极拳剑队", 2, "attached", "曾家岩太极拳剑队党支部", d("2018-05-15")),
    ("学田湾“法之情”矛盾纠纷调解室", 2, "attached", "学田湾“法之情”调解室党支部", d("2018-05-15")),
    ("xinshimin", 3, "single", "新市民服务中心党支部", d("2019-06-25")),
    ("wuye", 3, "single", "上清寺路自治物业中心党支部", d("2019-06-25")),
    ("chunsheng", 2, "joint", "春生社工室联合党支部", d("2020-07-01")),
]
HUB_INSTRUCTOR = ("王志强", d("2017-06-28"))

# -- funding (政府购买服务) ------------------------------------------------------------------------------

# The hub's five social-work projects, 2015-2019.
HUB_PROJECTS = [
    ("“小巷领袖、展翅飞翔”社区服务人员培训项目", CIVIL_AFFAIRS_BUREAU, 2015, Decimal("60000.00")),
    ("“长者心、社区情”长者互助支持网络建设项目", "重庆市民政局", 2016, Decimal("100000.00")),
    ("“育苗护幼”未成年人关爱项目", CIVIL_AFFAIRS_BUREAU, 2017, Decimal("80000.00")),
    ("“本土社工减压增能”支持项目", SHANGQINGSI_OFFICE, 2018, Decimal("50000.00")),
    ("“社工专业项目服务督导”项目", CIVIL_AFFAIRS_BUREAU, 2019, Decimal("70000.00")),
]
MINYUE_PROJECTS = [
    ("上清寺路社区家庭社会工作服务项目", SHANGQINGSI_OFFICE, 2019, Decimal("120000.00")),
    ("学田湾社区邻里互助网络建设项目", SHANGQINGSI_OFFICE, 2023, Decimal("150000.00")),
    ("社区自治与专业社工服务融合项目", SHANGQINGSI_OFFICE, 2026, Decimal("198000.00")),  # "近20万元"
]
# The rooms' 24 service projects, 2020-2026, about ¥200,000 a year from the street.
ROOM_THEMES = [
    "“银龄守望”独居老人关爱", "“护苗成长”未成年人课业辅导", "“同心同行”残障人士社会融入", "“暖心帮扶”低保家庭支持",
    "“就业加油站”困难群体就业帮扶", "“心灵驿站”精神疏导", "“邻里守望”社区互助", "“新市民融入”社会融入",
]
ROOM_PROJECT_AMOUNTS = {
    2020: ["58000.00", "52000.00", "48000.00", "45000.00"],
    2021: ["72000.00", "68000.00", "64000.00"],
    2022: ["60000.00", "55000.00", "50000.00", "46000.00"],
    2023: ["75000.00", "70000.00", "62000.00"],
    2024: ["62000.00", "56000.00", "52000.00", "48000.00"],
    2025: ["78000.00", "70000.00", "66000.00"],
    2026: ["80000.00", "72000.00", "68000.00"],
}
CLAWBACK = (2021, 0, Decimal("3200.00"))  # (year, project index, amount): unspent funds recovered at closing
