"""Every error a client sees has a stable ``extensions.code``; the mapping from our errors is here alone."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from graphql import GraphQLError

from auth.policy import AccessDenied, OutOfJurisdiction
from domain.errors import DomainError
from eventsourcing.persistence import InterfaceError, OperationalError

log = logging.getLogger("lianjian.gateway")
F = TypeVar("F", bound=Callable[..., Any])

UNAUTHENTICATED = "UNAUTHENTICATED"
FORBIDDEN = "FORBIDDEN"
NOT_FOUND = "NOT_FOUND"
BAD_USER_INPUT = "BAD_USER_INPUT"
CONFLICT = "CONFLICT"
INTERNAL = "INTERNAL"
UNAVAILABLE = "UNAVAILABLE"  # the store cannot be reached: retry later
CODES = {UNAUTHENTICATED, FORBIDDEN, NOT_FOUND, BAD_USER_INPUT, CONFLICT, INTERNAL, UNAVAILABLE}
# How the databases say a write found no room: SQLite on a full disk (ENOSPC), SQLite when the file may not
# grow or the device fails (EFBIG, EIO), PostgreSQL on a full disk.
CANNOT_WRITE = ("database or disk is full", "disk i/o error", "no space left on device")


def coded(message: str, code: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code})


def translated(error: Exception) -> GraphQLError | None:
    """Our own error as a client error, or None for an unexpected one (then masked as INTERNAL)."""
    if isinstance(error, GraphQLError) and (error.extensions or {}).get("code") in CODES:
        return error
    if isinstance(error, (AccessDenied, OutOfJurisdiction)):
        return coded(str(error), error.code)
    if isinstance(error, DomainError):
        return coded(error.message, error.code)
    if isinstance(error, (OperationalError, InterfaceError)):
        if any(words in str(error).lower() for words in CANNOT_WRITE):
            return coded("the event store cannot write just now: its disk is full or failing; try again later",
                         UNAVAILABLE)
        return coded("the event store is not reachable just now; try again", UNAVAILABLE)
    return None


def translate_errors(resolver: F) -> F:
    """Resolvers raise domain and policy errors; clients get them with their codes."""

    @functools.wraps(resolver)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return resolver(*args, **kwargs)
        except Exception as error:
            client_error = translated(error)
            if client_error is None:
                raise
            raise client_error from error

    return wrapper  # type: ignore[return-value]


def client_error(error: GraphQLError) -> GraphQLError:
    """The error as the client sees it: coded, and masked when it was not ours to explain."""
    code = (error.extensions or {}).get("code")
    if code in CODES:
        return error
    original = error.original_error
    # Ours, wherever raised: in a resolver, or in a subscription's stream (which has no path).
    known = translated(original) if original is not None and not isinstance(original, GraphQLError) else None
    if known is not None:
        return GraphQLError(known.message, error.nodes, error.source, error.positions, error.path,
                            extensions=known.extensions)
    if original is None or error.path is None or isinstance(original, GraphQLError):
        # Parsing, validation, variable coercion and the query limits: the request itself is wrong.
        return GraphQLError(error.message, error.nodes, error.source, error.positions, error.path,
                            extensions={"code": BAD_USER_INPUT})
    log.error("unexpected error in %s", error.path, exc_info=original)
    return GraphQLError("internal error", error.nodes, error.source, error.positions, error.path,
                        extensions={"code": INTERNAL})

