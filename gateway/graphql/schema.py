"""The schema: queries, mutations, subscriptions, with limits on depth, aliases and tokens."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError
from strawberry.types import ExecutionContext
from strawberry.extensions import DisableIntrospection, MaxAliasesLimiter, MaxTokensLimiter, QueryDepthLimiter

from gateway.graphql.errors import CodedErrors
from gateway.graphql.mutations import Mutation
from gateway.graphql.queries import Query
from gateway.graphql.subscriptions import Subscription

MAX_DEPTH = 10
MAX_ALIASES = 20
MAX_TOKENS = 5000


class Schema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        # Coded errors are the client's to read, not ours to log; unexpected ones are logged where masked.
        return None


def build_schema(production: bool = True, *, max_depth: int = MAX_DEPTH, max_aliases: int = MAX_ALIASES,
                 max_tokens: int = MAX_TOKENS) -> strawberry.Schema:
    extensions: list = [
        CodedErrors,
        lambda: QueryDepthLimiter(max_depth=max_depth),
        lambda: MaxAliasesLimiter(max_alias_count=max_aliases),
        lambda: MaxTokensLimiter(max_token_count=max_tokens),
    ]
    if production:
        extensions.append(DisableIntrospection)
    return Schema(query=Query, mutation=Mutation, subscription=Subscription, extensions=extensions)


def sdl() -> str:
    """The schema in SDL, as published in docs/schema.graphql."""
    return build_schema(production=False).as_str() + "\n"
