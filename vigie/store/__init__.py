"""Open the event store named by a path or URL; `Store` is what every backend offers."""

from __future__ import annotations

import os
import re

from vigie.errors import StoreError
from vigie.store.base import MIN_ID_PREFIX, Store
from vigie.store.sqlite import SQLiteStore

__all__ = ["MIN_ID_PREFIX", "SQLiteStore", "Store", "default_location", "open_store", "redact_url"]


def default_location() -> str:
    """$VIGIE_DB, else vigie.db in the user's data directory (the rule `vigie --db` documents)."""
    if os.environ.get("VIGIE_DB"):
        return os.environ["VIGIE_DB"]
    from platformdirs import user_data_dir

    return os.path.join(user_data_dir("vigie"), "vigie.db")


def open_store(url_or_path: str | None = None, *, create: bool = True) -> Store:
    """The store at `url_or_path`: a file path, `sqlite:///relative.db`, `sqlite:////absolute.db`, or
    `postgresql://USER:PASSWORD@HOST:PORT/DATABASE` (also `postgres://`, `postgresql+psycopg://`).

    None means default_location(). With `create=False` a missing SQLite file, or a PostgreSQL database
    without Vigie's tables, is an error rather than a new empty store, so a mistyped --db on a read
    command does not leave anything behind.
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
        try:
            from vigie.store.postgres import PostgresStore
        except ImportError as err:
            raise StoreError(
                f"the PostgreSQL store needs psycopg ({err})",
                where=redact_url(target),
                hint="pip install 'vigie[postgres]'",
            ) from err
        return PostgresStore(target, create=create)
    raise StoreError(
        f"unknown store scheme {scheme!r}",
        where=redact_url(target),
        hint="give a file path, sqlite:///PATH or postgresql://USER@HOST/DATABASE",
    )


def redact_url(url: str) -> str:
    """The URL without its password (in the user part or a password= parameter), fit for an error message."""
    scheme, sep, rest = url.partition("://")
    rest, question, query = rest.partition("?")
    if question:
        query = re.sub(r"(?i)(^|&)(password=)[^&]*", r"\1\2***", query)
    credentials, at, host = rest.rpartition("@")
    if at and ":" in credentials:
        rest = f"{credentials.split(':', 1)[0]}:***@{host}"
    return f"{scheme}{sep}{rest}{question}{query}"
