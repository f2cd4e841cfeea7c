"""The ledger's optional sheets of facts about its organizations: purchase-of-service projects (政府购买服务) and
past penalties (行政处罚), each row one command with the row's business date. A row names its organization by
name or credit code, in the same file or already in the store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import uuid4

from domain.context import Context, Department
from domain.funding import FundingProject
from domain.organization import Organization
from domain.settings import LocalitySettings
from gateway.files.sheets import Column, SheetSpec, one_of, text
from gateway.files.workbook import count_cell, date_cell, money_cell

PENALTY_KINDS = {"警告": "warning", "罚款": "fine", "没收": "confiscation", "没收违法所得": "confiscation",
                 "没收非法财产": "confiscation", "责令停止活动": "stop_activities", "撤销登记": "revocation",
                 "吊销登记证书": "revocation"}
PENALTY_DEPARTMENTS = {"民政": "civil_affairs", "区民政局": "civil_affairs", "税务": "tax", "税务局": "tax",
                       "市场监管": "market_regulation", "市场监管局": "market_regulation", "公安": "public_security",
                       "公安局": "public_security"}
ORGANIZATION = Column("organization", "组织名称", ("名称", "承接组织", "社会组织", "统一社会信用代码", "组织名称或信用代码"),
                      text, True, "名称或统一社会信用代码：本文件或系统中已有的组织")

FUNDING = SheetSpec(("政府购买服务", "购买服务项目", "funding"), (
    ORGANIZATION,
    Column("purchasing_unit", "购买主体", ("购买单位", "采购单位"), text, True),
    Column("project_name", "项目名称", ("项目",), text, True),
    Column("amount", "金额", ("项目金额", "合同金额"), money_cell, True, "元"),
    Column("on", "立项日期", ("签约日期", "合同日期"), date_cell, True, "不得晚于今天"),
    Column("period_start", "开始日期", ("服务开始日期", "起始日期"), date_cell, True),
    Column("period_end", "结束日期", ("服务结束日期", "截止日期"), date_cell, True),
    Column("basis", "文号", ("合同编号", "文书号"), text),
), ignored=("街道", "已拨付", "已追回", "状态", "结项日期", "项目ID"))

PENALTIES = SheetSpec(("行政处罚", "处罚", "penalties"), (
    ORGANIZATION,
    Column("department", "处罚机关", ("处罚部门", "执法部门"), one_of(PENALTY_DEPARTMENTS, "a penalizing department"),
           True, "民政、税务、市场监管、公安"),
    Column("kind", "处罚种类", ("处罚类型", "种类"), one_of(PENALTY_KINDS, "a kind of penalty"), True,
           "警告、罚款、没收违法所得、责令停止活动、撤销登记"),
    Column("amount", "金额", ("罚款金额", "没收金额"), money_cell, False, "元；罚款、没收必填"),
    Column("stop_days", "停止活动天数", ("天数",), count_cell, False, "责令停止活动必填"),
    Column("on", "处罚日期", ("决定日期",), date_cell, True, "不得晚于今天"),
    Column("basis", "决定书文号", ("文书号", "处罚文号", "文号"), text),
))


@dataclass
class Fact:
    """A row of a sheet of facts: the command it becomes, about which organization, on which date."""

    spec: SheetSpec
    sheet: str
    number: int
    values: dict[str, Any]
    already: bool = False  # recorded by an earlier import of the same content

    @property
    def on(self) -> date:
        return self.values["on"]

    @property
    def command(self) -> str:
        return "award_funding" if self.spec is FUNDING else "impose_penalty"

    @property
    def department(self) -> Department:
        return Department.FINANCE if self.spec is FUNDING else Department(self.values["department"])

    @property
    def what(self) -> str:
        return "政府购买服务立项" if self.spec is FUNDING else "行政处罚"

    def arguments(self) -> dict[str, Any]:
        v = self.values
        if self.spec is FUNDING:
            return {k: v[k] for k in ("purchasing_unit", "project_name", "amount", "period_start", "period_end")}
        return {"kind": v["kind"], "amount": v.get("amount"), "stop_days": v.get("stop_days")}

    def simulate(self, org: Organization, ctx: Context, settings: LocalitySettings) -> None:
        """The domain's checks of the command, on the organization's copy in memory (which keeps the penalty)."""
        if self.spec is FUNDING:
            org.ensure_in_being_on(ctx)
            FundingProject.award(ctx, organization_id=org.id, funding_refusal=org.award_refusal(settings),
                                 **self.arguments())
        else:
            org.impose_penalty(ctx, penalty_id=uuid4().hex, **self.arguments())
