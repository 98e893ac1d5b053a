"""Write tokens: made at random, shown once, kept only as a SHA-256 hash (no FastAPI here, the CLI uses it)."""

from __future__ import annotations

import hashlib
import secrets

#: Every token starts with this, so one pasted into the wrong place (a log, a chat) is recognisable.
TOKEN_PREFIX = "vigie_"


def new_token() -> str:
    """A fresh random write token (256 bits of randomness)."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """The form a token is stored and compared in: "sha256:<hex digest>".

    A plain hash suffices (no salt or slow hash): tokens are long random strings, not guessable passwords.
    """
    return "sha256:" + hashlib.sha256(token.encode("utf-8")).hexdigest()
