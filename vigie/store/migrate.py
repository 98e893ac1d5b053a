"""Numbered SQL migrations, applied in order and recorded in `schema_migrations`."""

from __future__ import annotations

import datetime as dt
import logging
import re
import sqlite3
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

from vigie.errors import StoreError

logger = logging.getLogger(__name__)

_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


@cache
def load_migrations(backend: str) -> tuple[Migration, ...]:
    """The migrations shipped for `backend` ("sqlite"), ordered by version."""
    folder = files("vigie.store").joinpath("migrations", backend)
    found = []
    for entry in folder.iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append(Migration(int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise StoreError(f"two {backend} migrations share a version number: {versions}")
    return tuple(found)


def split_statements(sql: str) -> list[str]:
    """Split a script into complete statements (a trigger body's semicolons stay inside its statement)."""
    statements, buffer = [], ""
    for piece in sql.split(";"):
        buffer += piece + ";"
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    rest = buffer[:-1].strip()
    # Whatever is left is only whitespace and comments once every statement has been taken.
    if rest and not all(line.strip().startswith("--") for line in rest.splitlines() if line.strip()):
        raise StoreError(f"incomplete SQL statement at the end of a migration: {rest[:60]!r}")
    return statements


def applied_versions(conn: sqlite3.Connection) -> set[int]:
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
    )
    return {row[0] for row in conn.execute("SELECT version FROM schema_migrations")}


def migrate_sqlite(conn: sqlite3.Connection, where: str) -> int:
    """Apply pending migrations, each in its own transaction; return the schema version in force.

    `conn` must be in autocommit mode (isolation_level=None). Each migration re-checks under the write
    lock, so two processes opening a new database at once apply it once.
    """
    migrations = load_migrations("sqlite")
    known = {m.version for m in migrations}
    newer = applied_versions(conn) - known
    if newer:
        raise StoreError(
            f"schema version {max(newer)} is newer than this Vigie knows ({max(known)})",
            where=where,
            hint="upgrade Vigie to open this store",
        )
    for migration in migrations:
        if migration.version in applied_versions(conn):
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            if migration.version in applied_versions(conn):
                conn.execute("ROLLBACK")
                continue
            for statement in split_statements(migration.sql):
                conn.execute(statement)
            conn.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                (migration.version, migration.name, dt.datetime.now(dt.UTC).isoformat(timespec="seconds")),
            )
            conn.execute("COMMIT")
        except sqlite3.Error as err:
            conn.execute("ROLLBACK")
            raise StoreError(
                f"migration {migration.version:04d}_{migration.name} failed: {err}", where=where
            ) from err
        logger.info("migration applied", extra={"version": migration.version, "db": where})
    return max(applied_versions(conn), default=0)
