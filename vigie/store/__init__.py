"""Open the event store named by a path or URL; `Store` is what every backend offers."""

from __future__ import annotations

import os

from vigie.errors import StoreError
from vigie.store.base import MIN_ID_PREFIX, Store
from vigie.store.sqlite import SQLiteStore

__all__ = ["MIN_ID_PREFIX", "SQLiteStore", "Store", "default_location", "open_store"]


def default_location() -> str:
    """$VIGIE_DB, else vigie.db in the user's data directory (the rule `vigie --db` documents)."""
    if os.environ.get("VIGIE_DB"):
        return os.environ["VIGIE_DB"]
    from platformdirs import user_data_dir

    return os.path.join(user_data_dir("vigie"), "vigie.db")


def open_store(url_or_path: str | None = None, *, create: bool = True) -> Store:
    """The store at `url_or_path`: a file path, `sqlite:///relative.db`, `sqlite:////absolute.db`.

    None means default_location(). With `create=False` a missing SQLite file is an error rather than
    a new empty store, so a mistyped --db on a read command does not leave files behind.
    """
    target = url_or_path or default_location()
    scheme, sep, rest = target.partition("://")
    if not sep or len(scheme) == 1:  # a plain path (a Windows drive letter is not a scheme)
        return SQLiteStore(target, create=create)
    scheme = scheme.lower()
    if scheme == "sqlite":
        # SQLAlchemy's spelling: the third slash separates the (empty) host from the path.
        path = rest[1:] if rest.startswith("/") else rest
        return SQLiteStore(path or ":memory:", create=create)
    if scheme in {"postgresql", "postgres"} or scheme.startswith("postgresql+"):
        raise StoreError(
            "the PostgreSQL store is not available yet",
            where=_redact(target),
            hint="use a SQLite file path for now, e.g. --db vigie.db",
        )
    raise StoreError(
        f"unknown store scheme {scheme!r}", where=_redact(target), hint="give a file path or sqlite:///PATH"
    )


def _redact(url: str) -> str:
    """The URL without its password, fit for an error message."""
    scheme, _, rest = url.partition("://")
    credentials, at, host = rest.rpartition("@")
    if not at or ":" not in credentials:
        return url
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}"
