-- Vigie event store, PostgreSQL, version 4: event counts kept on write, so the statistics of the whole store (and of
-- one event type, the dashboard's timeline) are read from a few thousand rows instead of a million events.

-- How many events count under each key stats() groups by: for each type (upper-cased) and for every type at once
-- ('*'), the total, and by type, day, country (upper-cased), language (lower-cased) and flag. The store adds a saved
-- document's events and takes a replaced document's out in the same transaction, in key order (so concurrent
-- writers queue on a row rather than deadlock).
CREATE TABLE event_tallies (
    type  TEXT COLLATE "C" NOT NULL,
    facet TEXT COLLATE "C" NOT NULL CHECK (facet IN ('total', 'type', 'day', 'country', 'lang', 'flag')),
    value TEXT COLLATE "C" NOT NULL,
    n     BIGINT NOT NULL,
    PRIMARY KEY (type, facet, value)
);

INSERT INTO event_tallies (type, facet, value, n)
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
SELECT type, facet, value, count(*) FROM (
    SELECT type, facet, value FROM keyed UNION ALL SELECT '*', facet, value FROM keyed
) AS every GROUP BY 1, 2, 3;
