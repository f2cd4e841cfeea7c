"""Configuration, read once from the environment (LIANJIAN_*) by pydantic-settings."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from domain.settings import TASK_DUE_WORKING_DAYS, LocalitySettings


# GraphQL operations at once on PostgreSQL (Settings.operation_threads): within the pool's five connections.
POSTGRES_OPERATION_THREADS = 4


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LIANJIAN_", extra="ignore")

    # Where the embedded store (SQLite) keeps its file.
    data_dir: Path = Path("data")
    # postgresql://user:password@host:port/dbname[?schema=name] selects PostgreSQL (production).
    database_url: str | None = None
    postgres_pool_size: int = 5
    # Seconds a database call waits for a connection. The library tries a call up to ten times, so while
    # PostgreSQL is away a command waits about ten times this before it answers UNAVAILABLE.
    postgres_connect_timeout: int = 10
    # Aggregates kept in memory between commands (organizations, projects, cases…): a command on one of
    # them reads only its events since. Size it to the deployment's organizations and their projects.
    aggregate_cache_size: int = Field(default=20_000, ge=1)  # 0 would make the library's cache unbounded

    # The server. Dev mode: GraphiQL, introspection, and tokens signed by a local key (never in production).
    host: str = "127.0.0.1"
    port: int = 8000
    dev_mode: bool = False
    # A line a request on standard output (uvicorn's access log). Off unless asked for, as in gunicorn: the
    # reverse proxy in front logs requests, /metrics counts them by route and outcome, and the event log and
    # read audit say who did and read what. On, it cost 0.14 ms of the server's CPU a command (8%).
    access_log: bool = False
    # The largest request body, and websocket message, the server reads (larger: 413, or the socket closed
    # with 1009). 1 MiB, as nginx's default: twenty times the largest operation the schema accepts (5000
    # tokens, texts of 2000 characters), small enough that a flood of them cannot fill the memory.
    max_request_bytes: int = Field(default=1 << 20, ge=4096)
    # GraphQL queries and mutations run at once in threads off the event loop, so that one waiting (on the
    # database, on Keycloak's keys) does not hold up the others; 0 runs them on the loop. Unset: 4 on
    # PostgreSQL, where operations wait on the network; 0 on SQLite, where they are the process's own CPU
    # work and a thread's hand-over cost 30-70% more CPU a command (docs/performance.md).
    operation_threads: int | None = Field(default=None, ge=0)
    # SQLite with operations on the loop: the commands of mutations run close together share one commit (one
    # fsync), each in a savepoint of its own, and each answers once that commit is done (gateway/group_commit.py).
    # On the city it served 8 and 32 clients 40-70% more commands a second, at the same latency for the same
    # load; off by default, as clients arriving one by one share little: paced at half of what 32 waiting
    # clients got from it, the queue grew (docs/performance.md).
    group_commit: bool = False
    # Embedded: views, rules and tick run inside the server; off when `lianjian project` workers run them.
    embedded_projections: bool = True
    tick_interval_seconds: float = 3600.0
    # The largest Excel file `lianjian import` reads (bytes): a street's ledger of 10,000 rows is about 1 MB.
    import_max_bytes: int = Field(default=20 << 20, ge=1024)
    # The largest Excel file an officer uploads through the gateway (POST /files/ledger; the body's cap there, in
    # place of max_request_bytes). Held in memory and loaded whole by openpyxl, so near what a ledger weighs.
    upload_max_bytes: int = Field(default=20 << 20, ge=1024)
    # Outside dev mode, /metrics and the details of /readyz (head, each view's lag, the reason) answer only a
    # request with "Authorization: Bearer <this token>"; unset, /metrics is off and /readyz gives its status alone.
    operations_token: SecretStr | None = None
    # The public site (/public/): requests a client (its address) may make, in the `limits` library's notation
    # ("120/minute", "10/second;300/hour"); past it, 429 with Retry-After.
    public_rate_limit: str = "120/minute"
    # Identity in production: the Keycloak realm that signs access tokens for the API audience.
    keycloak_url: str = "http://127.0.0.1:8180"
    keycloak_realm: str = "lianjian"
    keycloak_audience: str = "lianjian-api"

    # The locality's rules (docs/domain.md, "Settings that vary by locality").
    annual_report_due: str = "05-31"  # MM-DD of the following year
    sample_ratio: Decimal = Decimal("0.03")
    grade_cutoffs: str = "5:900,4:800,3:700,2:600,1:500"  # grade:lowest score, highest grade first
    community_filing_authority: Literal["street", "county"] = "street"
    # Credit lists (民政部令第60号): the large-fine threshold in yuan, and whether the abnormal list bars a new
    # purchase-of-service award (local measures such as Xiamen's and Tianjin's restrict it).
    large_fine: Decimal = Field(default=Decimal("50000"), gt=0)
    abnormal_list_bars_award: bool = True
    # An objection (异议) to a listing is due for decision within this many working days.
    objection_working_days: int = Field(default=10, ge=1, le=60)
    # An organization on either list weighs this many times more in the yearly random draw (1: not at all).
    listed_draw_weight: int = Field(default=3, ge=1, le=100)
    # Tasks (督办): working days to each rule's deadline, "rule:days,…" over the defaults (domain/settings.py),
    # and how many working days before it the owners are reminded.
    task_due_working_days: str = ""
    task_reminder_working_days: int = Field(default=2, ge=0, le=30)

    @field_validator("database_url")
    @classmethod
    def _postgres_only(cls, url: str | None) -> str | None:
        if url and not url.startswith(("postgresql://", "postgres://")):
            raise ValueError("LIANJIAN_DATABASE_URL must be a postgresql:// URL (unset it for the embedded SQLite store)")
        return url or None

    @field_validator("operations_token")
    @classmethod
    def _long_enough(cls, token: SecretStr | None) -> SecretStr | None:
        if token is not None and not token.get_secret_value():
            return None
        if token is not None and len(token.get_secret_value()) < 24:
            raise ValueError("LIANJIAN_OPERATIONS_TOKEN must be at least 24 characters (e.g. openssl rand -hex 32)")
        return token

    @field_validator("public_rate_limit")
    @classmethod
    def _rate(cls, value: str) -> str:
        from limits import parse_many

        try:
            parse_many(value)
        except ValueError:
            raise ValueError("LIANJIAN_PUBLIC_RATE_LIMIT is e.g. 120/minute or 10/second;300/hour") from None
        return value

    @field_validator("annual_report_due")
    @classmethod
    def _month_day(cls, value: str) -> str:
        month, _, day = value.partition("-")
        if not (month.isdigit() and day.isdigit() and 1 <= int(month) <= 12 and 1 <= int(day) <= 31):
            raise ValueError("LIANJIAN_ANNUAL_REPORT_DUE is MM-DD, e.g. 05-31")
        return value

    @field_validator("task_due_working_days")
    @classmethod
    def _task_days(cls, value: str) -> str:
        parse_task_days(value)
        return value

    @field_validator("grade_cutoffs")
    @classmethod
    def _cutoffs(cls, value: str) -> str:
        parse_grade_cutoffs(value)
        return value

    def threads_for_operations(self) -> int:
        if self.operation_threads is not None:
            return self.operation_threads
        return POSTGRES_OPERATION_THREADS if self.database_url else 0

    def locality(self) -> LocalitySettings:
        month, day = (int(part) for part in self.annual_report_due.split("-"))
        return LocalitySettings(
            annual_report_due_month=month,
            annual_report_due_day=day,
            sample_ratio=self.sample_ratio,
            grade_cutoffs=parse_grade_cutoffs(self.grade_cutoffs),
            community_filing_authority=self.community_filing_authority,
            large_fine=self.large_fine,
            abnormal_list_bars_award=self.abnormal_list_bars_award,
            objection_working_days=self.objection_working_days,
            listed_draw_weight=self.listed_draw_weight,
            task_due_working_days={**TASK_DUE_WORKING_DAYS, **parse_task_days(self.task_due_working_days)},
            task_reminder_working_days=self.task_reminder_working_days,
        )


def parse_task_days(text: str) -> dict[str, int]:
    """'rectification_overdue:15,partner_penalty:5' -> {rule: working days}, each a known rule, 1..250 days."""
    from domain.alerts import AlertRule

    days: dict[str, int] = {}
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        rule, _, count = item.partition(":")
        if rule.strip() not in {r.value for r in AlertRule}:
            raise ValueError(f"LIANJIAN_TASK_DUE_WORKING_DAYS: no rule {rule.strip()!r}; the rules: "
                             + ", ".join(r.value for r in AlertRule))
        if not count.strip().isdigit() or not 1 <= int(count) <= 250:
            raise ValueError(f"LIANJIAN_TASK_DUE_WORKING_DAYS: {item!r} is not rule:days with 1..250 days")
        days[rule.strip()] = int(count)
    return days


def parse_grade_cutoffs(text: str) -> tuple[tuple[int, int], ...]:
    try:
        pairs = tuple(
            (int(grade), int(score)) for grade, score in (item.split(":") for item in text.split(",") if item.strip())
        )
    except ValueError:
        raise ValueError("grade cut-offs are written like 5:900,4:800,3:700,2:600,1:500") from None
    if not pairs or [s for _, s in pairs] != sorted((s for _, s in pairs), reverse=True):
        raise ValueError("grade cut-offs go from the highest grade and score down")
    return pairs
