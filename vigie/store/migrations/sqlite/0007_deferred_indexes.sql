-- Vigie event store, SQLite, version 7: the indexes a bulk load has set aside, to be built again.

-- A big load (`vigie load`, `vigie import`, `vigie bench --store`) drops the indexes only reads use and builds them
-- once at the end, sorting each in one pass, instead of inserting into them row by row. Each dropped index is
-- recorded here, with the statement that builds it, in the same transaction as the drop: a load killed half-way
-- leaves its rows here, and the next Vigie that opens the store builds them again (`owner` names the loading
-- process, so a load still running is left alone).
CREATE TABLE deferred_indexes (
    name  TEXT PRIMARY KEY,
    sql   TEXT NOT NULL,   -- the CREATE INDEX statement
    owner TEXT NOT NULL    -- "host:pid" of the process that dropped it
) WITHOUT ROWID;
