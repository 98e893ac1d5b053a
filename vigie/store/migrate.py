"""Numbered SQL migrations, applied in order and recorded in `schema_migrations`."""

from __future__ import annotations

import datetime as dt
import logging
import re
import sqlite3
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import TYPE_CHECKING, Any

from vigie.errors import StoreError

if TYPE_CHECKING:  # psycopg is needed only by the PostgreSQL store
    import psycopg

logger = logging.getLogger(__name__)

_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


@cache
def load_migrations(backend: str) -> tuple[Migration, ...]:
    """The migrations shipped for `backend` ("sqlite" or "postgres"), ordered by version."""
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


def refuse_newer(applied: set[int], migrations: tuple[Migration, ...], where: str) -> None:
    """Raise when the store was migrated by a newer Vigie than this one."""
    known = {m.version for m in migrations}
    newer = applied - known
    if newer:
        raise StoreError(
            f"schema version {max(newer)} is newer than this Vigie knows ({max(known, default=0)})",
            where=where,
            hint="upgrade Vigie to open this store",
        )


def migrate_sqlite(conn: sqlite3.Connection, where: str) -> int:
    """Apply pending migrations, each in its own transaction; return the schema version in force.

    `conn` must be in autocommit mode (isolation_level=None). Each migration re-checks under the write
    lock, so two processes opening a new database at once apply it once.
    """
    migrations = load_migrations("sqlite")
    refuse_newer(applied_versions(conn), migrations, where)
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


#: The advisory lock key migrations hold in PostgreSQL ("vigie" in ASCII); any constant shared by all Vigies.
PG_MIGRATION_LOCK = 0x7669676965


def pg_applied_versions(conn: psycopg.Connection[Any]) -> set[int] | None:
    """The versions recorded in the search_path's schema_migrations, or None when there is no such table."""
    row = conn.execute("SELECT to_regclass('schema_migrations') IS NOT NULL").fetchone()
    if not row or not row[0]:
        return None
    return {int(r[0]) for r in conn.execute("SELECT version FROM schema_migrations").fetchall()}


def migrate_postgres(conn: psycopg.Connection[Any], where: str) -> int:
    """Apply pending PostgreSQL migrations, each in its own transaction; return the schema version in force.

    `conn` must be in autocommit mode. Each migration runs under a transaction-scoped advisory lock and
    re-checks what is applied, so two processes opening a new database at once apply it once.
    """
    import psycopg

    migrations = load_migrations("postgres")
    applied = pg_applied_versions(conn) or set()
    refuse_newer(applied, migrations, where)
    for migration in migrations:
        if migration.version in applied:
            continue
        try:
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (PG_MIGRATION_LOCK,))
                conn.execute(
                    "CREATE TABLE IF NOT EXISTS schema_migrations ("
                    " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
                )
                applied = pg_applied_versions(conn) or set()
                if migration.version in applied:
                    continue
                # Without parameters psycopg sends the script as it is, several statements and $$ bodies included.
                conn.execute(migration.sql.encode("utf-8"))
                conn.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (%s, %s, %s)",
                    (migration.version, migration.name, dt.datetime.now(dt.UTC).isoformat(timespec="seconds")),
                )
        except psycopg.Error as err:
            raise StoreError(
                f"migration {migration.version:04d}_{migration.name} failed: {err}", where=where
            ) from err
        applied.add(migration.version)
        logger.info("migration applied", extra={"version": migration.version, "db": where})
    return max(applied, default=0)
