"""The cache of verified tokens answers for a token until its exp and never after, whatever leeway the
verifier it wraps allows for clock skew."""

from __future__ import annotations

import pytest

from auth.dev import DevTokenIssuer
from auth.tokens import InvalidToken
from auth.verified_cache import CachingVerifier


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


class Counting:
    def __init__(self, verifier) -> None:
        self.verifier, self.calls = verifier, 0

    def verify(self, token: str):
        self.calls += 1
        return self.verifier.verify(token)


@pytest.mark.parametrize("leeway", [0, 30])
def test_a_cached_token_is_verified_again_from_its_exp_and_refused_past_the_leeway(tmp_path, leeway):
    clock = Clock()
    issuer = DevTokenIssuer(tmp_path, now=clock)
    inner = Counting(issuer.verifier(leeway=leeway))
    cache = CachingVerifier(inner, now=clock)
    token = issuer.issue("sqs-li", lifetime=60)

    assert cache.verify(token).username == "sqs-li" and inner.calls == 1
    clock.now += 59.9
    assert cache.verify(token).username == "sqs-li" and inner.calls == 1  # from the cache

    clock.now += 0.2  # just past exp: the cache no longer answers
    if leeway:
        assert cache.verify(token).username == "sqs-li" and inner.calls == 2  # within the skew allowed
        assert cache.verify(token).username == "sqs-li" and inner.calls == 3  # still not cached again
        clock.now += leeway + 0.1
    with pytest.raises(InvalidToken, match="expired"):
        cache.verify(token)
