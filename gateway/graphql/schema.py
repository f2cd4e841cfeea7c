"""The schema: queries, mutations, subscriptions, with limits on depth, aliases and tokens."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

import anyio
import anyio.to_thread
import strawberry
import strawberry.tools
from graphql import GraphQLError, parse
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import SchemaExtension
from strawberry.extensions.max_aliases import create_validator as alias_validator
from strawberry.extensions.query_depth_limiter import create_validator as depth_validator
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.name_converter import NameConverter
from strawberry.schema.schema import validate_document
from strawberry.types import ExecutionContext

from gateway.graphql.audit import AuditQuery
from gateway.graphql.errors import client_error
from gateway.graphql.mutations import Mutation
from gateway.graphql.queries import Query
from gateway.graphql.subscriptions import Subscription

RootQuery = strawberry.tools.merge_types("Query", (Query, AuditQuery))  # the auditor's fields: audit.py

MAX_DEPTH = 10
MAX_ALIASES = 20
MAX_TOKENS = 5000
CACHED_DOCUMENTS = 512


class Schema(strawberry.Schema):
    """With ``operation_threads``, queries and mutations run in that many threads at most, off the event
    loop: their resolvers are synchronous and may wait (on PostgreSQL or its pool, on SQLite's write lock,
    on Keycloak's keys), and on the loop one waiting operation would stop the process answering anything
    else: the dashboard, /healthz, /metrics, every other client. Subscriptions stay on the loop."""

    def __init__(self, *args: Any, operation_threads: int = 0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.operation_threads = operation_threads
        self._limiter: anyio.CapacityLimiter | None = None

    def operations(self) -> tuple[int, int]:
        """(running in threads, waiting for one) just now; (0, 0) when operations run on the loop."""
        if self._limiter is None:
            return 0, 0
        statistics = self._limiter.statistics()
        return statistics.borrowed_tokens, statistics.tasks_waiting

    async def execute(self, *args: Any, **kwargs: Any) -> Any:
        if not self.operation_threads:
            return await super().execute(*args, **kwargs)
        if self._limiter is None:  # made in the server's event loop, on its first operation
            self._limiter = anyio.CapacityLimiter(self.operation_threads)
        return await anyio.to_thread.run_sync(functools.partial(self.execute_sync, *args, **kwargs),
                                              limiter=self._limiter)

    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        # Every error leaves with its code, whichever stage raised it (parsing errors never reach the
        # extensions' hooks). Coded errors are the client's to read, not ours to log; unexpected ones are
        # logged where they are masked.
        errors[:] = [client_error(error) for error in errors]


class Documents(SchemaExtension):
    """Each distinct operation parsed (within the token limit) and validated (with the limits' rules) once,
    not on every request: clients repeat the same few operations. One extension with two hooks, where
    Strawberry's MaxTokensLimiter, ParserCache, AddValidationRules and ValidationCache took four, each
    set up and entered on every request (about 2% of a command's CPU through the gateway)."""

    def __init__(self, parse: Any, validate: Any, rules: tuple) -> None:
        super().__init__()
        self.parse, self.validate, self.rules = parse, validate, rules

    def on_parse(self) -> Iterator[None]:
        # Errors raised here (syntax, too many tokens) reach the client through Schema.process_errors.
        self.execution_context.graphql_document = self.parse(self.execution_context.query)
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        context.validation_rules = rules = context.validation_rules + self.rules
        context.pre_execution_errors = self.validate(context.schema._schema, context.graphql_document, rules)
        yield


class RememberedNames(NameConverter):
    """snake_case to camelCase once a name: Strawberry converts every argument's and input field's name
    again on each request that uses it."""

    def __init__(self) -> None:
        super().__init__()
        self._names: dict[str, str] = {}

    def apply_naming_config(self, name: str) -> str:
        converted = self._names.get(name)
        if converted is None:
            converted = self._names[name] = super().apply_naming_config(name)
        return converted


def build_schema(production: bool = True, *, max_depth: int = MAX_DEPTH, max_aliases: int = MAX_ALIASES,
                 max_tokens: int = MAX_TOKENS, operation_threads: int = 0) -> Schema:
    # The limits' rule classes are made once here: the validation cache is keyed by the rules, so rules
    # made anew for each request would never hit it.
    rules: tuple = (depth_validator(max_depth, None), alias_validator(max_aliases))
    if production:
        rules += (NoSchemaIntrospectionCustomRule,)
    cached_parse = functools.lru_cache(maxsize=CACHED_DOCUMENTS)(functools.partial(parse, max_tokens=max_tokens))
    cached_validate = functools.lru_cache(maxsize=CACHED_DOCUMENTS)(validate_document)
    return Schema(query=RootQuery, mutation=Mutation, subscription=Subscription,
                  extensions=[lambda: Documents(cached_parse, cached_validate, rules)],
                  config=StrawberryConfig(name_converter=RememberedNames()),
                  operation_threads=operation_threads)


def sdl() -> str:
    """The schema in SDL, as published in docs/schema.graphql."""
    return build_schema(production=False).as_str() + "\n"
