"""Names of the domain's codes for messages and pages: in Chinese (a code without one is itself), and in English."""

from __future__ import annotations

DEPARTMENTS = {
    "civil_affairs": "区民政局", "street_office": "街道办事处", "finance": "财政局", "inspection": "执法检查",
    "party_building": "党工委", "market_regulation": "市场监管局", "public_security": "公安局", "tax": "税务局",
    "audit": "审计局", "system": "联监系统",
}
KINDS = {"social_group": "社会团体", "private_non_enterprise": "民办非企业单位", "foundation": "基金会",
         "community": "社区社会组织"}
STATUSES = {"registered": "已登记", "filed": "已备案", "deregistered": "已注销", "revoked": "已撤销登记",
            "banned": "已取缔", "filing_cancelled": "已撤销备案"}
PENALTIES = {"warning": "警告", "fine": "罚款", "confiscation": "没收", "stop_activities": "责令停止活动",
             "revocation": "撤销登记"}

CREDIT_LISTS = {"abnormal": "活动异常名录", "serious": "严重违法失信名单"}
REVOCATION_GROUNDS = {"fraud": "弄虚作假骗取登记", "fraudulent_change": "弄虚作假办理变更登记",
                      "no_activity_first_year": "取得登记证书后1年未开展活动", "serious_penalty": "严重违法"}


def zh(table: dict[str, str], code: object) -> str:
    """The Chinese name of a code, or the code itself when it has none."""
    return table.get(str(code), str(code))

# English names, where a page or an alert is read in English (the dashboard's words match these).
DEPARTMENTS_EN = {
    "civil_affairs": "the Civil Affairs Bureau", "street_office": "the street office", "finance": "the Finance Bureau",
    "inspection": "the inspectors", "party_building": "the party working committee",
    "market_regulation": "Market Regulation", "public_security": "Public Security", "tax": "the Tax Bureau",
    "audit": "the Audit Office", "system": "the Lianjian rules",
}
STATUSES_EN = {"registered": "registered", "filed": "filed", "deregistered": "deregistered",
               "revoked": "registration revoked", "banned": "banned", "filing_cancelled": "filing cancelled"}
PENALTIES_EN = {"warning": "a warning", "fine": "a fine", "confiscation": "confiscation",
                "stop_activities": "an order to stop activities", "revocation": "revocation"}
CREDIT_LISTS_EN = {"abnormal": "abnormal activities list", "serious": "serious illegal and dishonest list"}
REVOCATION_GROUNDS_EN = {"fraud": "registration obtained by fraud", "fraudulent_change": "a fraudulent change",
                         "no_activity_first_year": "no activity in its first year", "serious_penalty": "serious offences"}
# The grounds of domain/credit_lists.py (GROUND_BASIS holds them in Chinese, as published).
GROUNDS_EN = {
    "annual_report_missing": "annual report not submitted as required",
    "annual_report_late": "annual report submitted late",
    "no_party_organization": "no party organization set up as required",
    "rectification_overdue": "rectification not completed on time",
    "public_fundraising_breach": "a charity qualified to raise funds publicly no longer meets the conditions or has"
                                 " not raised funds publicly for six months",
    "warning_or_small_fine": "a warning or a fine under ¥50,000",
    "unreachable_at_domicile": "unreachable at the registered domicile",
    "abnormal_two_years": "two years on the abnormal activities list",
    "fraudulent_change_revoked": "a fraudulent change of registration revoked",
    "ordered_to_stop_activities": "ordered to stop activities for a period",
    "large_fine": "a fine of ¥50,000 or more",
    "repeated_minor_penalties": "two or more warnings or fines under ¥50,000 within three years",
    "court_dishonest_debtor": "on the courts' list of dishonest debtors",
    "certificate_revoked": "registration certificate revoked or registration cancelled",
}


def en(table: dict[str, str], code: object) -> str:
    """The English name of a code, or the code itself when it has none."""
    return table.get(str(code), str(code))
