-- Vigie event store, PostgreSQL, version 7: the indexes a bulk load has set aside, to be built again (as in the
-- SQLite store: each dropped index is recorded with its definition in the same transaction as the drop; the load
-- builds them at its end, or the next Vigie that opens the store does if the load was killed).
-- Version 6 is SQLite's R*Tree, which has no PostgreSQL counterpart; the numbers stay the same on both backends.
CREATE TABLE deferred_indexes (
    name  TEXT PRIMARY KEY,
    sql   TEXT NOT NULL,   -- the CREATE INDEX statement (pg_indexes.indexdef)
    owner TEXT NOT NULL    -- "host:pid:start" of the process that dropped it
);
