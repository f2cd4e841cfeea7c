"""The public search by part of a name reads the names of one gram of the text (``name_grams``) and answers
exactly what ``name LIKE '%text%' OR credit_code = TEXT`` over every organization answers: the same rows, in
the same order, page by page, on SQLite and on PostgreSQL; and a rename replaces the name's grams."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.context import Actor, Context, Department
from domain.credit_code import make_credit_code
from domain.people import Person
from projections.runtime.db import Tx, ViewDatabase
from projections.runtime.runner import ViewRunner
from projections.views.public_disclosure import PUBLIC_COLUMNS, PublicDisclosure, grams

# Chinese, ASCII letters of both cases and their full-width forms, LIKE's own characters and the escape.
ALPHABET = "协会重庆市渝中区上清寺社工aAbBzZ0Ｚｚ＿％%_\\ "
CODES = ["51500103MJP000017K", "52500103MJP000025A", None]
names = st.text(ALPHABET, min_size=1, max_size=12)
queries = st.one_of(st.text(ALPHABET, min_size=1, max_size=5), st.sampled_from([c.lower() for c in CODES if c]))


def plain_search(tx: Tx, view: PublicDisclosure, text: str, limit: int, offset: int) -> list[dict[str, Any]]:
    """What the search answered before it had an index: every organization's name read."""
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return tx.rows(f"SELECT * FROM {view.t('organizations')} WHERE name LIKE ? ESCAPE '\\' OR credit_code = ?"
                   " ORDER BY name, org_id LIMIT ? OFFSET ?", (pattern, text.upper(), limit, offset))


def fill(tx: Tx, view: PublicDisclosure, named: list[tuple[str, str | None]]) -> None:
    """Organizations of these names and credit codes, and their grams as the view's handler writes them."""
    for table in ("organizations", "name_grams"):
        tx.execute(f"DELETE FROM {view.t(table)}")
    for name, code in named:
        org_id = str(uuid.uuid4())
        row = dict.fromkeys(PUBLIC_COLUMNS) | {"org_id": org_id, "name": name, "credit_code": code,
                                               "kind": "social_group", "status": "registered",
                                               "on_abnormal_list": 0, "on_serious_list": 0}
        view.upsert(tx, "organizations", row, ["org_id"])
        for gram in grams(name):
            view.upsert(tx, "name_grams", {"org_id": org_id, "gram": gram, "name": name}, ["org_id", "gram"])


@pytest.fixture
def searched(make_app: Any) -> Any:
    """A store with the public view's tables, empty; the view and its database."""
    app = make_app()
    db, view = ViewDatabase(app), PublicDisclosure(prefix=f"t{uuid.uuid4().hex[:8]}_")
    with db.schema() as tx:
        view.create(tx)
    return db, view


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(named=st.lists(st.tuples(names, st.sampled_from(CODES)), max_size=25),
       texts=st.lists(queries, min_size=1, max_size=6), limit=st.integers(1, 8), offset=st.integers(0, 10))
def test_the_indexed_search_answers_what_the_plain_like_answers(searched: Any, named: list[tuple[str, str | None]],
                                                                  texts: list[str], limit: int, offset: int) -> None:
    db, view = searched
    # Texts found inside the names too, in another ASCII case, so that most searches find something.
    texts += [name[i:i + n].swapcase() for name, _ in named[:3] for i, n in ((0, 2), (1, 3), (len(name) - 1, 1))]
    with db.transaction() as tx:
        fill(tx, view, named)
    with db.transaction(commit=False) as tx:
        for text in texts:
            assert view.search(tx, text, limit, offset) == plain_search(tx, view, text, limit, offset), text
            assert view.search(tx, text, 100) == plain_search(tx, view, text, 100, 0), text


@pytest.mark.parametrize("text, found", [
    ("会", {"上清寺协会", "Abc会", "50%会"}), ("清寺", {"上清寺协会"}), ("ABC", {"Abc会"}),
    ("%", {"50%会"}), ("0%", {"50%会"}), ("_", {"a_b\\c"}), ("\\", {"a_b\\c"}), ("b\\c", {"a_b\\c"}),
    ("ｚ", {"ＺｚZ"}), ("ｚZ", {"ＺｚZ"}), ("ｚz", {"ＺｚZ"}), ("zz", set()), ("Zz", set()), ("ＺＺ", set()),
])
def test_fixed_searches_on_both_stores(searched: Any, text: str, found: set[str]) -> None:
    """A few searches by hand: ASCII letters in either case are alike only on SQLite, whose LIKE folds them
    (the index folds them too, and the LIKE decides); full-width letters, %, _ and \\ are themselves."""
    db, view = searched
    with db.transaction() as tx:
        fill(tx, view, [(n, None) for n in ("上清寺协会", "Abc会", "50%会", "a_b\\c", "ＺｚZ")])
    with db.transaction(commit=False) as tx:
        rows = view.search(tx, text, 50)
        assert rows == plain_search(tx, view, text, 50, 0)
    if db.is_postgres and text in ("ABC", "ｚz"):
        found = set()  # PostgreSQL's LIKE tells the cases apart
    assert {r["name"] for r in rows} == found


def test_a_rename_replaces_the_names_grams(make_app: Any) -> None:
    app = make_app()
    runner = ViewRunner(app, [PublicDisclosure()])
    officer = Context(Actor("ca-1", "ca-officer", Department.CIVIL_AFFAIRS, "officer"), "依法办理", date(2025, 3, 1))
    org = app.register_organization(
        officer, name="重庆市渝中区上清寺致远公益促进会", kind="social_group",
        credit_code=make_credit_code("social_group", "500103", 7), domicile="上清寺路", purpose="公益",
        business_scope="服务", legal_representative=Person("王五", "500103198001011234"), funds=Decimal("30000"),
        district="yuzhong", street="shangqingsi", community="学田湾").aggregate_id
    runner.catch_up()
    view = runner.views[0]

    def names_found(text: str) -> list[str]:
        with runner.db.transaction(commit=False) as tx:
            return [row["name"] for row in view.search(tx, text, 50)]

    assert names_found("致远") == ["重庆市渝中区上清寺致远公益促进会"]
    app.change_registration(officer, org, name="重庆市渝中区民悦社会工作服务中心")
    runner.catch_up()
    assert names_found("致远") == []  # grams only the old name held
    assert names_found("公益促进") == []
    assert names_found("民悦社会") == ["重庆市渝中区民悦社会工作服务中心"]
    assert names_found("重庆市") == ["重庆市渝中区民悦社会工作服务中心"]  # a gram both names hold, once
    with runner.db.transaction(commit=False) as tx:
        held = tx.rows(f"SELECT gram, name FROM {view.t('name_grams')} WHERE org_id = ? ORDER BY gram", (str(org),))
    assert sorted(r["gram"] for r in held) == sorted(grams("重庆市渝中区民悦社会工作服务中心"))
    assert {r["name"] for r in held} == {"重庆市渝中区民悦社会工作服务中心"}
