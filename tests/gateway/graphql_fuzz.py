"""GraphQL requests generated from docs/schema.graphql, and what makes an answer to one wrong.

Every query, mutation and subscription of the schema, with argument values of the right shape and hostile
ones (huge ints, NUL and other C0 controls, bidi overrides, very long text, crafted base64 cursors, dates and
times out of range, odd Decimals, real ids and words from the demo data), written inline or sent as
variables, with one of several tokens. Used by tests/gateway/test_fuzz_schema.py (bounded, in CI) and by
bench/fuzz.py (a long run against a served gateway).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import graphql
import hypothesis_graphql
from hypothesis import strategies as st

from gateway.graphql.errors import CODES, INTERNAL, UNAVAILABLE

SCHEMA = graphql.build_schema((Path(__file__).resolve().parents[2] / "docs" / "schema.graphql").read_text())
ROOTS = {"query": SCHEMA.query_type, "mutation": SCHEMA.mutation_type, "subscription": SCHEMA.subscription_type}
FIELDS = [(kind, name) for kind, root in ROOTS.items() if root is not None for name in root.fields]

PUBLIC = None  # no Authorization header
INVALID = ("not-a-token", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJzcXMtbGkifQ.", "tampered", "expired")
# A street officer, a civil-affairs officer, a partner department and the auditor, beside no and bad tokens;
# hypothesis draws the first more often than the last.
USERS = ("sqs-li", "ca-zhang", "tax-he", "audit-qian", PUBLIC, *INVALID)

C0 = [chr(c) for c in range(0x20)] + ["\x7f"]
BIDI = [chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))]
ODD = ["\u200b", "\u200d", "\ufeff", "\ufffd", "\U0001f600", "\u0301", "'", '"', "\\", "%", "_", "=", "+", "-", "@"]


@dataclass(frozen=True)
class Request:
    kind: str  # query, mutation or subscription
    field: str
    document: str
    variables: dict[str, Any]
    user: str | None  # a demo username, PUBLIC, or one of INVALID

    def body(self) -> dict[str, Any]:
        return {"query": self.document, "variables": self.variables}

    def headers(self, issue) -> dict[str, str]:  # noqa: ANN001 - DevTokenIssuer.issue
        """The Authorization header for ``user``, tokens made by ``issue`` (a DevTokenIssuer's)."""
        if self.user is PUBLIC:
            return {}
        if self.user == "tampered":  # sqs-li's token with another signature
            return {"Authorization": f"Bearer {issue('sqs-li')[:-6]}AAAAAA"}
        if self.user == "expired":
            return {"Authorization": f"Bearer {issue('sqs-li', lifetime=-3600)}"}
        if self.user in INVALID:
            return {"Authorization": f"Bearer {self.user}"}
        return {"Authorization": f"Bearer {issue(self.user)}"}


def problems(status: int, body: Any) -> list[str]:
    """What is wrong with an answer: a 5xx, an error without a known code, an INTERNAL error, or an UNAVAILABLE
    one (the store and the identity provider are up in these runs: that code would hide another fault)."""
    if status >= 500:
        return [f"HTTP {status}"]
    found = []
    for error in (body.get("errors") or []) if isinstance(body, dict) else []:
        code = (error.get("extensions") or {}).get("code")
        if code not in CODES:
            found.append(f"error without a known code: {error.get('message')!r} ({code!r})")
        elif code in (INTERNAL, UNAVAILABLE):
            found.append(f"{code}: {error.get('message')!r} at {error.get('path')}")
    return found


def demo_values(app) -> tuple[list[str], list[str]]:  # noqa: ANN001 - domain.application.Supervision
    """Real ids (of aggregates, and named ``*_id`` in event data) and words (every short text in event data:
    names, streets, kinds, grounds...) of what the store holds, with the views' names."""
    from projections.views.catalog import all_views

    ids: set[str] = set()
    words: set[str] = {view.name for view in all_views()}

    def walk(key: str, value: Any) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(str(k), v)
        elif isinstance(value, (list, tuple)):
            for v in value:
                walk(key, v)
        elif isinstance(value, str) and len(value) <= 80:
            (ids if key.endswith("_id") else words).add(value)
        elif hasattr(value, "hex") and key.endswith("id"):  # UUIDs
            ids.add(str(value))

    for event in app.recorded_events():
        if not event.type.endswith("Index.Created"):  # the indexes of names and credit codes: never asked for
            ids.add(event.aggregate_id)
        for key, value in event.data.items():
            walk(key, value)
    return sorted(ids), sorted(words)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3),
    max_leaves=8,
)


def hostile_text(words: Sequence[str]) -> st.SearchStrategy[str]:
    """Text a careless or hostile client sends: controls, bidi overrides, odd code points, in and around
    real words, and very long."""
    odd_char = st.sampled_from(C0 + BIDI + ODD)
    word = st.sampled_from(words) if words else st.just("名称")
    return st.one_of(
        st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40),
        st.text(alphabet=odd_char, min_size=1, max_size=12),
        st.builds(lambda w, c, i: w[:i] + c + w[i:], word, odd_char, st.integers(0, 10)),
        st.builds(lambda w, n: w * n, word | st.sampled_from(["名", "a", "\u202e"]),
                  st.sampled_from([101, 1000, 5000, 20000])),
        st.just(""), st.just(" "), st.just("\x00"),
    )


def cursors() -> st.SearchStrategy[str]:
    """Base64 cursors: of JSON lists of the wrong length or with parts of the wrong type, of bare JSON, of bytes."""
    def b64(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).decode()

    return st.one_of(  # the API's cursors are lists of one or two parts
        st.lists(json_values, min_size=1, max_size=2).map(lambda parts: b64(json.dumps(parts).encode())),
        st.lists(json_values, max_size=3).map(lambda parts: b64(json.dumps(parts).encode())),
        json_values.map(lambda value: b64(json.dumps(value).encode())),
        st.binary(max_size=30).map(b64),
        st.sampled_from([b64(b'["\\u0000", "x"]'), b64(b"[1e999, 2]"), b64(b'[99999999999999999999999, "a"]'),
                         b64(b"[-1]"), b64(b'[NaN]'), b64(b'["a", null]'), "====", "@@@", "YQ"]),
    )


DATES = ["0001-01-01", "9999-12-31", "0000-01-01", "10000-01-01", "-0001-01-01", "+2026-11-20", "2026-02-30",
         "2026-13-01", "20261120", "2026-11-20T00:00:00", "2026-W47", "today", "１９９９-０１-０１"]
DATETIMES = ["0001-01-01T00:00:00", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59.999999",
             "9999-12-31T23:59:59-14:00", "2026-11-20T25:00:00", "2026-11-20T10:00:00+99:00", "2026-11-20",
             "2026-11-20T10:00:00Z", "2026-11-20 10:00", "now"]
DECIMALS = ["1e999999999", "-1E+999999999", "NaN", "sNaN", "-Infinity", "Infinity", "0E-1000000", "9" * 400,
            "0." + "0" * 400 + "1", "-0.00", "1_000", " 1 ", "１２３", "0x10", "1e-7", "-100.50", "100.005"]
INTS = [0, -1, 1, 2**31 - 1, -(2**31), 2**31, -(2**31) - 1, 2**53 + 1, 2**63, 10**40]


def scalar_nodes(ids: Sequence[str], words: Sequence[str], hostility: int) -> dict[str, st.SearchStrategy]:
    """Value nodes for each scalar of the schema (the built-in ones too, for real ids and words): of the shape
    a careful client sends (``hostility`` 0), careful or odd (1), or odd (2)."""
    string, integer = (lambda s: graphql.StringValueNode(value=s)), (lambda i: graphql.IntValueNode(value=str(i)))
    real_id = st.sampled_from(ids) if ids else st.uuids().map(str)
    word = st.sampled_from(words) if words else st.text(max_size=20)
    dates = st.dates(date(2015, 1, 1), date(2030, 12, 31))
    careful = {  # real words and ids, values in range: requests that may well be carried out
        "String": (word | st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), min_size=1,
                                  max_size=12)).map(string),
        "ID": real_id.map(string),
        "Int": st.one_of(st.integers(0, 120), st.integers(2015, 2030), st.integers(0, 1000)).map(integer),
        "Date": dates.map(lambda d: string(d.isoformat())),
        "DateTime": st.datetimes(datetime(2015, 1, 1), datetime(2030, 12, 31)).map(
            lambda d: string(d.isoformat(timespec="seconds"))),
        "Decimal": st.decimals("0.01", "1000000", places=2).map(lambda d: string(str(d))),
        "JSON": json_values.map(lambda v: string(json.dumps(v))),
    }
    if not hostility:
        return careful
    text = st.one_of(word, hostile_text(words), cursors(), real_id)
    ints = st.one_of(st.integers(-5, 120), st.integers(1990, 2100), st.sampled_from(INTS), st.integers())
    odd = {
        "String": text.map(string),
        "ID": st.one_of(real_id, st.uuids().map(str), text).map(string) | ints.map(integer),
        "Int": ints.map(integer),
        "Date": st.one_of(st.dates().map(str), st.sampled_from(DATES), text).map(string),
        "DateTime": st.one_of(st.datetimes().map(lambda d: d.isoformat()), st.sampled_from(DATETIMES), text,
                              ).map(string),
        "Decimal": st.one_of(st.decimals(allow_nan=True, allow_infinity=True).map(str), st.sampled_from(DECIMALS),
                             text).map(string) | ints.map(integer),
    }
    if hostility > 1:
        return careful | odd
    # Each value careful or odd: enough of a request is right for the odd value to reach the service.
    return {name: careful[name] | odd[name] if name in odd else careful[name] for name in careful}


def hoisted(document: graphql.DocumentNode, kind: str, field: str,
            wrong: dict[int, Any]) -> tuple[graphql.DocumentNode, dict[str, Any]]:
    """The root field's inline arguments moved into variables of the argument's declared type; ``wrong``
    replaces the value of the variable at each of its indexes (variables of the wrong shape)."""
    operation = document.definitions[0]
    root_field = operation.selection_set.selections[0]
    declared = ROOTS[kind].fields[field].args
    definitions, variables, arguments = [], {}, []
    for index, argument in enumerate(root_field.arguments or ()):
        name = argument.name.value
        definitions.append(graphql.VariableDefinitionNode(
            variable=graphql.VariableNode(name=graphql.NameNode(value=name)),
            type=graphql.parse_type(str(declared[name].type))))
        variables[name] = wrong[index] if index in wrong else graphql.value_from_ast_untyped(argument.value)
        arguments.append(graphql.ArgumentNode(name=argument.name,
                                              value=graphql.VariableNode(name=graphql.NameNode(value=name))))
    root_field = replace(root_field, arguments=tuple(arguments))
    operation = replace(operation, variable_definitions=tuple(definitions),
                        selection_set=replace(operation.selection_set, selections=(root_field,)))
    return replace(document, definitions=(operation,)), variables


def with_argument(document: graphql.DocumentNode, name: str, value: graphql.ValueNode) -> graphql.DocumentNode:
    """The root field's argument ``name`` (when given) given ``value`` instead."""
    operation = document.definitions[0]
    root_field = operation.selection_set.selections[0]
    arguments = tuple(replace(a, value=value) if a.name.value == name else a for a in root_field.arguments or ())
    operation = replace(operation, selection_set=replace(operation.selection_set,
                                                         selections=(replace(root_field, arguments=arguments),)))
    return replace(document, definitions=(operation,))


def _subscription_schema() -> graphql.GraphQLSchema:
    """The schema with its Subscription type as the query root: hypothesis-graphql generates queries and
    mutations only, so subscriptions are generated as queries of this schema and relabelled."""
    return graphql.GraphQLSchema(query=SCHEMA.subscription_type, types=list(SCHEMA.type_map.values()))


@cache
def _documents(kind: str, field: str, ids: tuple[str, ...], words: tuple[str, ...],
               hostility: int) -> st.SearchStrategy:
    scalars = scalar_nodes(ids, words, hostility)
    keep = lambda document: document  # noqa: E731 - hypothesis-graphql's print_ast: the node itself
    if kind == "query":
        return hypothesis_graphql.queries(SCHEMA, fields=[field], custom_scalars=scalars, print_ast=keep)
    if kind == "mutation":
        return hypothesis_graphql.mutations(SCHEMA, fields=[field], custom_scalars=scalars, print_ast=keep)
    return hypothesis_graphql.queries(_subscription_schema(), fields=[field], custom_scalars=scalars, print_ast=keep)


def requests(ids: Sequence[str] = (), words: Sequence[str] = (), fields: Sequence[tuple[str, str]] = FIELDS,
             users: Sequence[str | None] = USERS) -> st.SearchStrategy[Request]:
    """One request to one root field of the schema, inline or with variables, as one of ``users``."""
    ids, words = tuple(ids), tuple(words)

    @st.composite
    def draw_request(draw: st.DrawFn) -> Request:
        kind, field = draw(st.sampled_from(fields))
        document = draw(_documents(kind, field, ids, words, draw(st.integers(0, 2))))
        after = ROOTS[kind].fields[field].args.get("after")
        if after and graphql.get_named_type(after.type).name == "String" and draw(st.booleans()):
            # a crafted cursor where the API takes one: few random texts decode at all
            document = with_argument(document, "after", graphql.StringValueNode(value=draw(cursors())))
        if kind == "subscription":
            document = replace(document, definitions=(
                replace(document.definitions[0], operation=graphql.OperationType.SUBSCRIPTION),))
        variables: dict[str, Any] = {}
        if draw(st.booleans()):  # as variables; now and then one of the wrong shape
            wrong = draw(st.dictionaries(st.integers(0, 5), json_values, max_size=2)) \
                if draw(st.integers(0, 9)) == 0 else {}
            document, variables = hoisted(document, kind, field, wrong)
        return Request(kind, field, graphql.print_ast(document), variables, draw(st.sampled_from(users)))

    return draw_request()
