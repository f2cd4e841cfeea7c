"""The gateway's stack with no work behind it: what FastAPI, Strawberry and uvicorn cost a request alone.

An empty mutation of the benchmark's command's shape (the same document, arguments and input type, an answer
of the same shape, nothing recorded), on Strawberry's ASGI endpoint mounted on FastAPI, with Strawberry's own
parser and validation caches, served by uvicorn as `lianjian serve` runs it (uvloop, httptools, no access
log). No server built on this stack can answer a client faster than this one does: it is the ceiling of the
GraphQL rows, as single INSERTs are the floor of the domain service's."""

from __future__ import annotations

import strawberry
from fastapi import FastAPI
from strawberry.asgi import GraphQL
from strawberry.extensions import ParserCache, ValidationCache


@strawberry.input
class CommandInput:
    reason: str
    occurred_on: str


@strawberry.type
class Receipt:
    event_ids: list[strawberry.ID]


@strawberry.type
class Query:
    @strawberry.field
    def ok(self) -> bool:
        return True


@strawberry.type
class Mutation:
    @strawberry.mutation
    def count_party_members(self, command: CommandInput, organization_id: strawberry.ID, members: int) -> Receipt:
        return Receipt(event_ids=[strawberry.ID(organization_id)])


app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
app.add_route("/graphql", GraphQL(strawberry.Schema(query=Query, mutation=Mutation,
                                                    extensions=[ParserCache(maxsize=100), ValidationCache(maxsize=100)])),
              methods=["POST"])


@app.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}
