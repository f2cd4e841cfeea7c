"""A gateway in dev mode on a store holding the demo data, and a helper that calls it as a demo user."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from auth.dev import DevTokenIssuer
from gateway.app import create_app
from gateway.demo import load_demo
from gateway.settings import Settings
from gateway.storage import open_application

HUB = "重庆市渝中区上清寺致远社会公益事业发展促进会"


def cli_on_store(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Point the CLI's environment (LIANJIAN_*) at a fresh store: SQLite, or PostgreSQL when the fixture's
    param is "postgres"; the settings it will read."""
    monkeypatch.setenv("LIANJIAN_DATA_DIR", str(tmp_path / "data"))
    if getattr(request, "param", "sqlite") == "postgres":
        monkeypatch.setenv("LIANJIAN_DATABASE_URL", request.getfixturevalue("postgres_url"))
    else:
        monkeypatch.delenv("LIANJIAN_DATABASE_URL", raising=False)
    return Settings()


class Gateway:
    def __init__(self, client: TestClient, issuer: DevTokenIssuer, settings: Settings) -> None:
        self.client = client
        self.issuer = issuer
        self.settings = settings
        self.app = client.app.state.runtime.app

    def call(self, user: str | None, query: str, variables: dict[str, Any] | None = None,
             token: str | None = None) -> dict[str, Any]:
        headers = {}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        elif user is not None:
            headers["Authorization"] = f"Bearer {self.issuer.issue(user)}"
        response = self.client.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)
        assert response.status_code == 200, response.text
        return response.json()

    def data(self, user: str | None, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        body = self.call(user, query, variables)
        assert not body.get("errors"), body["errors"]
        return body["data"]

    def code(self, user: str | None, query: str, variables: dict[str, Any] | None = None) -> str | None:
        """The first error's extensions.code, or None when there was no error."""
        errors = self.call(user, query, variables).get("errors")
        return errors[0]["extensions"]["code"] if errors else None

    def org_id(self, name: str) -> str:
        return str(self.app.find_organization(name).id)


def _gateway(data_dir: Path, **options: Any) -> Iterator[Gateway]:
    settings = Settings(data_dir=data_dir, dev_mode=True, tick_interval_seconds=10**9, **options)
    application = open_application(settings)
    load_demo(application)
    application.close()
    with TestClient(create_app(settings)) as client:
        yield Gateway(client, DevTokenIssuer(data_dir), settings)


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    """Shared by a module's read-only tests."""
    yield from _gateway(tmp_path_factory.mktemp("gateway"))


@pytest.fixture
def fresh_gateway(tmp_path: Path) -> Iterator[Gateway]:
    """A gateway of its own, for tests that record."""
    yield from _gateway(tmp_path / "data")


GatewayFactory = Callable[[], Gateway]


# -- a second district ---------------------------------------------------------------------------------
#
# 江北区 (jiangbei) has one street whose code, shangqingsi, is also a street of 渝中区 (yuzhong) on purpose:
# a rule that looks at the street alone lets one district's officers see the other's. The demo holds
# yuzhong only; seed_jiangbei records the other district's organizations, funding, cases, penalty, alerts
# and sample draw through the gateway, as its own officers (infra/keycloak/realm-lianjian.json).

JIANGBEI_REGISTERED = "重庆市江北区上清寺邻里互助协会"
JIANGBEI_FILED = "江北上清寺社区太极拳队"


def command(reason: str, occurred_on: str, view: str | None = "civil_affairs_registry") -> str:
    wait = f', waitForView: "{view}"' if view else ""
    return f'command: {{reason: "{reason}", occurredOn: "{occurred_on}"{wait}}}'


def settle(gw: Gateway, timeout: float = 10.0) -> None:
    """Wait until every view has applied every event, the alerts the rules raise from them included."""
    runtime = gw.client.app.state.runtime
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        head = gw.app.head_position()
        for name in runtime.views:
            assert runtime.wait_for(name, head, timeout=timeout), f"{name} did not catch up"
        time.sleep(0.1)  # the rules raise their alerts in the worker's round after the event
        if gw.app.head_position() == head:
            return
    raise AssertionError("the store kept growing")


def seed_jiangbei(gw: Gateway) -> dict[str, str]:
    """Jiangbei's records, by name: organizations, a funding project, an inspector's and a tax case, an
    alert for civil affairs and the street, one for inspection and civil affairs, a sample draw."""
    from domain.credit_code import make_credit_code

    ids: dict[str, str] = {}
    person = '{name: "江北甲", idNumber: "500105198001010011", phone: "13900000001"}'
    ids["registered"] = gw.data("jb-ca-wu", f"""mutation {{ registerOrganization({command("准予成立登记", "2026-03-02")},
        input: {{name: "{JIANGBEI_REGISTERED}", kind: "social_group", creditCode: "{make_credit_code('social_group', '500105', 7)}",
        domicile: "江北区上清寺路1号", purpose: "邻里互助", businessScope: "互助服务", legalRepresentative: {person},
        funds: "30000", district: "jiangbei", street: "shangqingsi", community: "shangqingsi-1"}}) {{ aggregateId }} }}"""
                                 )["registerOrganization"]["aggregateId"]
    ids["filed"] = gw.data("jb-sqs-zhou", f"""mutation {{ fileCommunityOrganization({command("准予备案", "2026-03-03")},
        input: {{name: "{JIANGBEI_FILED}", personInCharge: {person}, district: "jiangbei", street: "shangqingsi"}})
        {{ aggregateId }} }}""")["fileCommunityOrganization"]["aggregateId"]
    org = ids["registered"]
    ids["project"] = gw.data("jb-fin-zheng", f"""mutation {{ awardFunding({command("购买服务", "2026-04-01", "finance_ledger")},
        input: {{organizationId: "{org}", purchasingUnit: "江北区上清寺街道", projectName: "邻里互助项目", amount: "50000.00",
        periodStart: "2026-04-01", periodEnd: "2026-12-31"}}) {{ aggregateId }} }}""")["awardFunding"]["aggregateId"]
    opened = 'inspectors: ["江北检查员甲", "江北检查员乙"], subject: "年度检查"'
    ids["case"] = gw.data("jb-insp-feng", f"""mutation {{ openInspection({command("立案", "2026-05-06", "inspection_board")},
        organizationId: "{org}", {opened}) {{ aggregateId }} }}""")["openInspection"]["aggregateId"]
    ids["tax_case"] = gw.data("jb-tax-yang", f"""mutation {{ openInspection({command("税务检查", "2026-05-07", "inspection_board")},
        organizationId: "{org}", {opened}) {{ aggregateId }} }}""")["openInspection"]["aggregateId"]
    case = ids["case"]
    for user, text in (
        ("jb-tax-yang", f'imposePenalty({command("逾期申报", "2026-06-01")}, organizationId: "{org}", kind: "warning")'),
        ("jb-insp-feng", f'recordInspectionFindings({command("发现问题", "2026-06-02")}, caseId: "{case}", '
                         'findings: "账目不清", problemsFound: true)'),
        ("jb-insp-feng", f'orderRectification({command("责令整改", "2026-06-03")}, caseId: "{case}", '
                         'requirements: "整改账目", deadline: "2026-07-01")'),
        ("jb-insp-feng", f'recordRectificationOverdue({command("逾期未整改", "2026-07-02")}, caseId: "{case}")'),
        ("jb-ca-wu", f'addToAbnormalList({command("受到警告", "2026-07-03")}, organizationId: "{org}", '
                     'ground: "warning_or_small_fine")'),
        ("jb-insp-feng", f'drawInspectionSample({command("双随机抽查", "2026-08-01", None)}, year: 2026, '
                         f'jurisdiction: "jiangbei", population: ["{org}", "{ids["filed"]}"], seed: "jb-2026")'),
    ):
        result = gw.data(user, f"mutation {{ {text} {{ aggregateId }} }}")
        if text.startswith("drawInspectionSample"):
            ids["draw"] = next(iter(result.values()))["aggregateId"]
    settle(gw)
    raised = [e for e in gw.app.recorded_events() if e.type == "Alert.Raised"
              and e.data["organization_id"] == org]
    ids["alert"] = next(e.aggregate_id for e in raised if "street_office" in e.data["departments"])
    ids["inspection_alert"] = next(e.aggregate_id for e in raised if "inspection" in e.data["departments"])
    return ids


@pytest.fixture(scope="module")
def two_districts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Gateway, dict[str, str]]]:
    """The demo (yuzhong) and jiangbei's records beside it, shared by a module's tests that record nothing."""
    for gw in _gateway(tmp_path_factory.mktemp("districts")):
        yield gw, seed_jiangbei(gw)
