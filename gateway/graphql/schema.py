"""The schema: queries, mutations, subscriptions, with limits on depth, aliases and tokens."""

from __future__ import annotations

import functools
from typing import Any

import anyio
import anyio.to_thread
import strawberry
import strawberry.tools
from eventsourcing.persistence import PersistenceError
from graphql import GraphQLError, OperationType, get_operation_ast, parse
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions.max_aliases import create_validator as alias_validator
from strawberry.extensions.query_depth_limiter import create_validator as depth_validator
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.name_converter import NameConverter
from strawberry.schema.schema import validate_document
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.execution import ParseOptions

from gateway.graphql.audit import AuditQuery
from gateway.graphql.changes import ChangeSubscription
from gateway.graphql.credit_mutations import CreditMutation
from gateway.graphql.drill_queries import DrillQuery
from gateway.graphql.export_query import ExportQuery
from gateway.graphql.errors import BAD_USER_INPUT, INTERNAL, client_error, coded, translated
from gateway.graphql.mutations import Mutation
from gateway.graphql.queries import Query
from gateway.graphql.subscriptions import Subscription
from gateway.graphql.tasks import TaskMutation, TaskQueries, TaskSubscription
from gateway.group_commit import joining

# The auditor's fields: audit.py; the credit system's: credit_mutations.py; tasks (督办): tasks.py;
# the live feed of changes in scope: changes.py; the rows behind the overview's figures: drill_queries.py;
# lists as files: export_query.py.
RootQuery = strawberry.tools.merge_types("Query", (Query, AuditQuery, TaskQueries, DrillQuery, ExportQuery))
Mutation = strawberry.tools.merge_types("Mutation", (Mutation, CreditMutation, TaskMutation))
Subscription = strawberry.tools.merge_types("Subscription", (Subscription, ChangeSubscription, TaskSubscription))

MAX_DEPTH = 10
MAX_ALIASES = 20
MAX_TOKENS = 5000
CACHED_DOCUMENTS = 512


class Schema(strawberry.Schema):
    """With ``operation_threads``, queries and mutations run in that many threads at most, off the event
    loop: their resolvers are synchronous and may wait (on PostgreSQL or its pool, on SQLite's write lock,
    on Keycloak's keys), and on the loop one waiting operation would stop the process answering anything
    else: the dashboard, /healthz, /metrics, every other client. Subscriptions stay on the loop.

    Each distinct operation is parsed (within ``max_tokens``) and validated (with the limits' ``rules``)
    once, not on every request: clients repeat the same few operations. The cached results are put in the
    execution context as it is made, so Strawberry neither parses nor validates again; an operation that
    does not parse is left to Strawberry's own parsing, with the same token limit, which reports the error.
    No schema extension: one set up and entered on every request cost 3.6% of a command's CPU in
    ``execute`` (Strawberry's MaxTokensLimiter, ParserCache, AddValidationRules and ValidationCache took
    four)."""

    def __init__(self, *args: Any, operation_threads: int = 0, rules: tuple = (),
                 max_tokens: int = MAX_TOKENS, group_commit: bool = False, **kwargs: Any) -> None:
        if not callable(getattr(strawberry.Schema, "_create_execution_context", None)):
            # The limits hang on this hook of Strawberry's: never serve without them.
            raise RuntimeError("this Strawberry has no Schema._create_execution_context: the query limits need it")
        super().__init__(*args, **kwargs)
        self.operation_threads = operation_threads
        self.group_commit = group_commit
        self._limiter: anyio.CapacityLimiter | None = None
        self.rules, self.max_tokens = rules, max_tokens
        self._parse = functools.lru_cache(maxsize=CACHED_DOCUMENTS)(functools.partial(parse, max_tokens=max_tokens))
        self._validate = functools.lru_cache(maxsize=CACHED_DOCUMENTS)(validate_document)

    def _create_execution_context(self, *args: Any, **kwargs: Any) -> ExecutionContext:
        context = super()._create_execution_context(*args, **kwargs)
        context.parse_options = ParseOptions(max_tokens=self.max_tokens)
        context.validation_rules = rules = context.validation_rules + self.rules
        if context.query:
            try:
                document = self._parse(context.query)
            except GraphQLError:
                return context  # Strawberry parses it again and answers with the error
            context.graphql_document = document
            context.pre_execution_errors = self._validate(self._schema, document, rules)
        return context

    def operations(self) -> tuple[int, int]:
        """(running in threads, waiting for one) just now; (0, 0) when operations run on the loop."""
        if self._limiter is None:
            return 0, 0
        statistics = self._limiter.statistics()
        return statistics.borrowed_tokens, statistics.tasks_waiting

    async def execute(self, *args: Any, **kwargs: Any) -> Any:
        # Operations sent over HTTP; websockets stream theirs (Strawberry's subscribe), subscriptions included.
        kind = self._operation_type(args[0] if args else kwargs.get("query"), kwargs.get("operation_name"))
        if kind == OperationType.SUBSCRIPTION:  # Strawberry would run it as a query, to an INTERNAL error
            return ExecutionResult(data=None, errors=[coded(
                "subscriptions need a websocket: open one on /graphql with the graphql-transport-ws protocol",
                BAD_USER_INPUT)])
        if not self.operation_threads:
            if not (self.group_commit and kind == OperationType.MUTATION):
                return await super().execute(*args, **kwargs)
            # SQLite: the commands of mutations run close together share one commit (gateway/group_commit.py);
            # each answers once the commit that holds its writes is done. Queries read what is committed.
            with joining() as joined:
                result = await super().execute(*args, **kwargs)
            try:
                await joined.durable()
            except PersistenceError as error:
                return ExecutionResult(data=None, errors=[translated(error) or coded("internal error", INTERNAL)])
            return result
        if self._limiter is None:  # made in the server's event loop, on its first operation
            self._limiter = anyio.CapacityLimiter(self.operation_threads)
        return await anyio.to_thread.run_sync(functools.partial(self.execute_sync, *args, **kwargs),
                                              limiter=self._limiter)

    def _operation_type(self, query: str | None, operation_name: str | None) -> OperationType | None:
        if not query or not isinstance(query, str):
            return None
        try:
            operation = get_operation_ast(self._parse(query), operation_name)
        except GraphQLError:
            return None  # Strawberry answers with the error
        return operation.operation if operation is not None else None

    def execute_sync(self, *args: Any, **kwargs: Any) -> Any:
        result = super().execute_sync(*args, **kwargs)
        if result.errors:
            # Strawberry's sync path hands process_errors a copy of a parse error's list and answers with the
            # uncoded error; coding again is a no-op for the errors already coded.
            result.errors = [client_error(error) for error in result.errors]
        return result

    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        # Every error leaves with its code, whichever stage raised it (parsing errors never reach the
        # extensions' hooks). Coded errors are the client's to read, not ours to log; unexpected ones are
        # logged where they are masked.
        errors[:] = [client_error(error) for error in errors]


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
                 max_tokens: int = MAX_TOKENS, operation_threads: int = 0, group_commit: bool = False) -> Schema:
    # The limits' rule classes are made once here: the validation cache is keyed by the rules, so rules
    # made anew for each request would never hit it.
    rules: tuple = (depth_validator(max_depth, None), alias_validator(max_aliases))
    if production:
        rules += (NoSchemaIntrospectionCustomRule,)
    return Schema(query=RootQuery, mutation=Mutation, subscription=Subscription,
                  config=StrawberryConfig(name_converter=RememberedNames()),
                  operation_threads=operation_threads, rules=rules, max_tokens=max_tokens,
                  group_commit=group_commit)


def sdl() -> str:
    """The schema in SDL, as published in docs/schema.graphql."""
    return build_schema(production=False).as_str() + "\n"
