"""Remember tokens already verified, until they expire, so a client's every request is not another RSA check."""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from auth.principal import Principal
from auth.tokens import InvalidToken, TokenVerifier, unverified_claims_expiry


class CachingVerifier:
    """Wraps a verifier; a token verified once is accepted again, unchanged, until its ``exp``."""

    def __init__(self, verifier: TokenVerifier, size: int = 4096, now: Callable[[], float] = time.time) -> None:
        self.verifier = verifier
        self.size = size
        self._now = now
        self._cache: OrderedDict[bytes, tuple[float, Principal]] = OrderedDict()
        self._lock = threading.Lock()

    def verify(self, token: str) -> Principal:
        key = hashlib.sha256(token.encode()).digest()
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None:
                expires, principal = cached
                if self._now() < expires:
                    self._cache.move_to_end(key)
                    return principal
                del self._cache[key]
        principal = self.verifier.verify(token)  # raises InvalidToken
        expires = unverified_claims_expiry(token)
        if expires is not None:
            with self._lock:
                self._cache[key] = (expires, principal)
                while len(self._cache) > self.size:
                    self._cache.popitem(last=False)
        return principal


__all__ = ["CachingVerifier", "InvalidToken"]
