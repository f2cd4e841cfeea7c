"""Chinese names of the domain's codes, for messages and pages (English names are the codes themselves)."""

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


def zh(table: dict[str, str], code: object) -> str:
    """The Chinese name of a code, or the code itself when it has none."""
    return table.get(str(code), str(code))
