"""The public site's words in Chinese (first) and English; codes named in the language of the page."""

from __future__ import annotations

from domain.labels import CREDIT_LISTS, KINDS, PENALTIES, STATUSES

LANGS = ("zh", "en")

WORDS: dict[str, tuple[str, str]] = {  # key: (中文, English)
    "site": ("社会组织信用信息公示", "Social organizations: public credit information"),
    "search": ("查询", "Search"),
    "search_label": ("组织名称或统一社会信用代码", "Name or unified social credit code"),
    "results": ("查询结果", "Results"),
    "none": ("没有找到。", "Nothing found."),
    "abnormal": ("活动异常名录", "Abnormal activities list"),
    "serious": ("严重违法失信名单", "Serious illegal and dishonest list"),
    "penalties": ("行政处罚", "Penalties"),
    "grades": ("评估等级", "Evaluation grades"),
    "data": ("开放数据", "Open data"),
    "name": ("名称", "Name"), "credit_code": ("统一社会信用代码", "Credit code"), "kind": ("类型", "Kind"),
    "status": ("状态", "Status"), "registered_on": ("成立登记日期", "Registered on"),
    "filed_on": ("备案日期", "Filed on"), "ended_on": ("终止日期", "Ended on"), "grade": ("评估等级", "Grade"),
    "valid_until": ("有效期至", "Valid until"), "ground": ("列入事由", "Ground"), "listed_on": ("列入日期", "Listed on"),
    "removed_on": ("移出日期", "Removed on"), "authority": ("作出决定机关", "Deciding authority"),
    "legal_basis": ("依据", "Legal basis"), "amount": ("金额（元）", "Amount (yuan)"),
    "department": ("处罚机关", "Authority"), "imposed_on": ("处罚日期", "Imposed on"), "penalty": ("处罚种类", "Penalty"),
    "projects": ("政府购买服务项目", "Purchase-of-service projects"), "record": ("公示记录", "Public record"),
    "date": ("日期", "Date"), "what": ("事项", "What"), "credit": ("信用状况", "Credit status"),
    "on_list": ("在列", "Listed"), "clean": ("未列入", "Not listed"), "as_of": ("历史查询：截至", "As of"),
    "show": ("查看", "Show"), "listings": ("列入记录", "Listings"), "not_found": ("没有这个组织。", "No such organization."),
    "bad_request": ("请求有误", "Bad request"), "next": ("下一页", "Next page"), "prev": ("上一页", "Previous page"),
    "lang_other": ("English", "中文"), "none_yet": ("无", "None"),
    "data_intro": ("以下数据可自由下载。每个文件带有数据位置（X-Data-Position）；加 ?after=位置 只取此后有变化的组织。",
                   "Free to download. Each file carries its data position (X-Data-Position); add ?after=<position> "
                   "for only the organizations changed since."),
    "feed": ("公示事项订阅（JSON Feed）", "Feed of public events (JSON Feed)"),
    "registry": ("登记信息", "Registry"),
    # the public events (projections/views/public_disclosure.py, PUBLIC_FACTS)
    "ev_registered": ("成立登记", "Registered"), "ev_filed": ("备案", "Filed"),
    "ev_converted": ("转为登记", "Converted to registration"), "ev_changed": ("变更", "Changed"),
    "ev_deregistered": ("注销登记", "Deregistered"), "ev_revoked": ("撤销登记", "Registration revoked"),
    "ev_banned": ("取缔", "Banned"), "ev_filing_cancelled": ("撤销备案", "Filing cancelled"),
    "ev_graded": ("评估等级", "Graded"), "ev_grade_lowered": ("降低评估等级", "Grade lowered"),
    "ev_grade_cancelled": ("取消评估等级", "Grade cancelled"), "ev_honoured": ("表彰奖励", "Honoured"),
    "ev_penalty_imposed": ("行政处罚", "Penalty"), "ev_listed": ("列入", "Listed"), "ev_removed": ("移出", "Removed"),
    "ev_corrected": ("更正", "Corrected"), "ev_annual_report": ("报送年度工作报告", "Annual report submitted"),
    "ev_annual_inspection": ("年检结论", "Annual inspection concluded"),
    "qualified": ("合格", "qualified"), "basically_qualified": ("基本合格", "basically qualified"),
    "unqualified": ("不合格", "unqualified"),
    "ch_name": ("名称变更为", "name now"), "ch_domicile": ("住所变更为", "domicile now"),
    "ch_representative": ("法定代表人（负责人）变更为", "legal representative now"),
}

CODES = {"kind": KINDS, "status": STATUSES, "penalty": PENALTIES, "list": CREDIT_LISTS}


def words(lang: str) -> dict[str, str]:
    index = LANGS.index(lang)
    return {key: pair[index] for key, pair in WORDS.items()}


def code_name(lang: str, table: str, code: object) -> str:
    """A code in the page's language: its Chinese name, or in English the code in words."""
    if code is None:
        return ""
    if lang == "zh":
        return CODES[table].get(str(code), str(code))
    return str(code).replace("_", " ")


def grade_name(grade: int | None) -> str:
    return f"{grade}A" if grade else ""
