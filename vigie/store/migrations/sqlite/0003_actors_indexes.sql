-- Vigie event store, SQLite, version 3: actors as rows (the actor filter), and indexes chosen from EXPLAIN QUERY PLAN
-- on a million synthetic events (`vigie bench --store`).

-- Every name of an event's actors, canonical and as written, one row each: `vigie events --actor NAME` is an index
-- lookup here instead of a scan of the ';'-joined source_actors and target_actors columns.
CREATE TABLE event_actors (
    name     TEXT NOT NULL COLLATE NOCASE,
    event_id TEXT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    role     TEXT NOT NULL CHECK (role IN ('source', 'target')),
    PRIMARY KEY (name, event_id, role)
) WITHOUT ROWID;

CREATE INDEX event_actors_event_id ON event_actors (event_id);

INSERT OR IGNORE INTO event_actors (name, event_id, role)
SELECT json_extract(a.value, '$.text'), e.id, 'source' FROM events e, json_each(e.record, '$.actors.source') a
WHERE json_extract(a.value, '$.text') IS NOT NULL;
INSERT OR IGNORE INTO event_actors (name, event_id, role)
SELECT json_extract(a.value, '$.canonical'), e.id, 'source' FROM events e, json_each(e.record, '$.actors.source') a
WHERE json_extract(a.value, '$.canonical') IS NOT NULL;
INSERT OR IGNORE INTO event_actors (name, event_id, role)
SELECT json_extract(a.value, '$.text'), e.id, 'target' FROM events e, json_each(e.record, '$.actors.target') a
WHERE json_extract(a.value, '$.text') IS NOT NULL;
INSERT OR IGNORE INTO event_actors (name, event_id, role)
SELECT json_extract(a.value, '$.canonical'), e.id, 'target' FROM events e, json_each(e.record, '$.actors.target') a
WHERE json_extract(a.value, '$.canonical') IS NOT NULL;

-- Type + date range: one range of (type, date, id), already in the listing's order, so a page stops early.
-- It replaces the index on type alone (its prefix).
DROP INDEX IF EXISTS events_type;
CREATE INDEX IF NOT EXISTS events_type_date ON events (type, date, id);

-- Bounding box + date range: the date index carries lat and lon, so rows outside the box are skipped in the index
-- without reading them.
DROP INDEX IF EXISTS events_date;
CREATE INDEX events_date ON events (date, id, lat, lon);

-- Country + type (+ flag): one range of (country, type) instead of every event of the country.
DROP INDEX IF EXISTS events_country;
CREATE INDEX IF NOT EXISTS events_country_type ON events (country, type, date, id);
