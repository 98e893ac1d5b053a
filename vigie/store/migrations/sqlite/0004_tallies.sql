-- Vigie event store, SQLite, version 4: event counts kept on write, so the statistics of the whole store (and of one
-- event type, the dashboard's timeline) are read from a few thousand rows instead of a million events.

-- How many events count under each key stats() groups by: for each type (upper-cased) and for every type at once
-- ('*'), the total, and by type, day, country (upper-cased), language (lower-cased) and flag. The store adds a saved
-- document's events and takes a replaced document's out in the same transaction.
CREATE TABLE event_tallies (
    type  TEXT NOT NULL,
    facet TEXT NOT NULL CHECK (facet IN ('total', 'type', 'day', 'country', 'lang', 'flag')),
    value TEXT NOT NULL,
    n     INTEGER NOT NULL,
    PRIMARY KEY (type, facet, value)
) WITHOUT ROWID;

INSERT INTO event_tallies (type, facet, value, n)
SELECT type, facet, value, count(*) FROM (
    WITH m AS MATERIALIZED (
        SELECT id, upper(type) AS type, substr(date, 1, 10) AS day, upper(country) AS country, lower(lang) AS lang
        FROM events
    ), keyed (type, facet, value) AS (
        SELECT type, 'total', '' FROM m
        UNION ALL SELECT type, 'type', type FROM m
        UNION ALL SELECT type, 'day', day FROM m WHERE day IS NOT NULL
        UNION ALL SELECT type, 'country', country FROM m WHERE country IS NOT NULL
        UNION ALL SELECT type, 'lang', lang FROM m WHERE lang IS NOT NULL
        UNION ALL SELECT m.type, 'flag', f.flag FROM m JOIN event_flags f ON f.event_id = m.id
    )
    SELECT type, facet, value FROM keyed UNION ALL SELECT '*', facet, value FROM keyed
) GROUP BY 1, 2, 3;

-- Bulk load: the store adds each batch's rows to the full-text indexes in one statement (INSERT ... SELECT over the
-- new rowids), which writes one FTS5 segment per batch; the per-row insert triggers flushed one per statement and
-- made loading three times slower. Deleting and updating rows still keep the indexes in step through triggers; a
-- row inserted by another tool is searchable after INSERT INTO events_fts (events_fts) VALUES ('rebuild').
DROP TRIGGER IF EXISTS events_ai;
DROP TRIGGER IF EXISTS documents_ai;
