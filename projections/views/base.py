"""The base of every department view: its tables, and which events change them."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar

from domain.application import RecordedEvent
from projections.runtime.db import Tx

Handler = Callable[[Any, Tx, RecordedEvent, Any], None]


def handles(*event_types: str) -> Callable[[Handler], Handler]:
    """Mark a view method as the handler of these event types (e.g. "Organization.Registered")."""

    def mark(method: Handler) -> Handler:
        method.event_types = event_types  # type: ignore[attr-defined]
        return method

    return mark


class View:
    """A department's view: tables named ``<prefix><name>__<table>``, rebuilt from the log at will.

    Columns use types both SQLite and PostgreSQL store alike: TEXT, BIGINT (money in fen, 分; flags 0/1)
    and ISO-8601 text for dates and times, so a view compares equal row by row on either store.
    """

    name: ClassVar[str]
    title: ClassVar[str] = ""
    tables: ClassVar[dict[str, str]]  # short table name -> column definitions
    keys: ClassVar[dict[str, str]]  # short table name -> ORDER BY columns that make rows comparable
    indexes: ClassVar[dict[str, tuple[str, ...]]] = {}  # short table name -> columns looked up by, each an index
    # short table name -> columns holding JSON text: rebuild --check compares their values, not their
    # spelling, so a row written by an older encoder (other spacing) still matches its rebuilt twin
    json_columns: ClassVar[dict[str, tuple[str, ...]]] = {}
    autovacuum = True  # PostgreSQL's, on this view's tables: off while a rebuild fills them (scratch_of)
    _handlers: ClassVar[dict[str, list[Handler]]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._handlers = {}
        for attribute in vars(cls).values():  # in definition order, so handlers run as written
            for event_type in getattr(attribute, "event_types", ()):
                cls._handlers.setdefault(event_type, []).append(attribute)

    def __init__(self, prefix: str = "") -> None:
        self.prefix = prefix
        self._names = {table: f"{prefix}{self.name}__{table}" for table in self.tables}
        self.states: Any = None  # the runner's AggregateStates: organizations as of the event applied

    def organization_column(self, tx: Tx, org_id: str, column: str) -> Any:
        """A column of an organization as of the event being applied (its name, its street).

        Read from the runner's states when it holds the organization, else from this view's own
        ``organizations`` table; both reflect exactly the events applied so far.
        """
        org = self.states.latest(org_id) if self.states is not None else None
        if org is not None:
            return getattr(org, column)
        found = tx.row(f"SELECT {column} FROM {self.t('organizations')} WHERE org_id = ?", (org_id,))
        return found[column] if found else None

    @property
    def tracking_name(self) -> str:
        return f"{self.prefix}{self.name}"

    def t(self, table: str) -> str:
        """The real name of one of this view's tables."""
        if table not in self._names:
            raise KeyError(f"{self.name} has no table {table}")
        return self._names[table]

    def columns(self, table: str) -> list[str]:
        """The column names of one of this view's tables, read from its definitions (a column is a lowercase
        name followed by its upper-case type; PRIMARY KEY (...) and other constraints are not columns)."""
        return re.findall(r"(?:^|,)\s*([a-z_][a-z0-9_]*)\s+[A-Z]", self.tables[table])

    def create(self, tx: Tx) -> None:
        for table, columns in self.tables.items():
            tx.create_table(self.t(table), columns, autovacuum=self.autovacuum)
        for table, looked_up in self.indexes.items():
            for columns in looked_up:  # "org_id", or "street, year" for one index over both ("open DESC": descending)
                name = "_".join(c.strip().replace(" ", "_").lower() for c in columns.split(","))
                tx.execute(f"CREATE INDEX IF NOT EXISTS {self.t(table)}__{name} ON {self.t(table)} ({columns})")

    def drop(self, tx: Tx) -> None:
        for table in self.tables:
            tx.drop(self.t(table))

    def handles(self, event_type: str) -> bool:
        return event_type in self._handlers

    def handled_types(self) -> tuple[str, ...]:
        return tuple(self._handlers)

    def apply(self, tx: Tx, event: RecordedEvent, state: Any) -> None:
        """Apply one event; ``state`` is its aggregate right after it (see projections.runtime.states)."""
        for handler in self._handlers.get(event.type, ()):
            handler(self, tx, event, state)

    def upsert(self, tx: Tx, table: str, row: dict[str, Any], key: Sequence[str]) -> None:
        """Insert the row, or update its given columns where the key already exists."""
        tx.upsert(self.t(table), row, key)

    def insert_event_row(self, tx: Tx, table: str, row: dict[str, Any]) -> None:
        """Add the row of one event to a table keyed by the event's position: no earlier batch can
        have written it (positions only grow), so it is written without a conflict check."""
        tx.insert(self.t(table), row)

    def upsert_built(self, tx: Tx, table: str, key: tuple[str, ...], identity: str,
                     build: Callable[..., dict[str, Any]], *args: Any) -> None:
        """Upsert the row ``build(*args)`` makes from an aggregate's latest state, built once per batch.
        ``build`` must read only that state: anything as of the event goes in a row of its own."""
        tx.upsert_built(self._names[table], key, (identity,), build, *args)

    def upsert_organization(self, tx: Tx, event: RecordedEvent, org: Any,
                            build: Callable[[Any, str], dict[str, Any]], table: str = "organizations") -> None:
        """Upsert an organization's whole row, built once per batch from its latest state."""
        tx.upsert_built(self._names[table], ORG_KEY, (event.aggregate_id,), _built_organization, build, org, event)

    def follow_rename(self, tx: Tx, event: RecordedEvent, org: Any, table: str) -> None:
        """Carry a new organization name into ``table``'s ``org_name`` column, only when it changed
        (an UPDATE after the batch's rows: the newest name is final for the batch)."""
        if renamed(event):
            tx.update(self.t(table), {"org_name": org.name}, {"org_id": event.aggregate_id})

    def dump(self, tx: Tx) -> dict[str, list[dict[str, Any]]]:
        """Every row of every table, in key order: what rebuild --check compares."""
        return {table: tx.rows(f"SELECT * FROM {self.t(table)} ORDER BY {self.keys[table]}") for table in self.tables}


ORG_KEY = ("org_id",)


def _built_organization(build: Callable[[Any, str], dict[str, Any]], org: Any, event: RecordedEvent) -> dict[str, Any]:
    return build(org, iso(event.recorded_at))  # type: ignore[return-value]


def renamed(event: RecordedEvent) -> bool:
    """Did this change of registration or filing change the organization's name?"""
    return "name" in (event.data.get("changes") or {})


def fen(amount: Decimal | None) -> int | None:
    """Money in fen (分), exact in an integer column on either database."""
    return None if amount is None else int((amount * 100).to_integral_exact())


def yuan(fen_amount: int | None) -> Decimal | None:
    return None if fen_amount is None else (Decimal(fen_amount) / 100).quantize(Decimal("0.01"))


def iso(value: date | datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def flag(value: bool) -> int:
    return 1 if value else 0
