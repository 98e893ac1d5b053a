-- Vigie event store, SQLite, version 6: an R*Tree of where and when each located event happened, so a bounding box
-- (with or without a date range) is one lookup of the events inside it, instead of a walk of the date index that
-- probes every event of the range (a year is a quarter of a million events in a million).

-- One point per located event: its longitude, latitude and day (days since 1970-01-01 of events.date, or
-- -10000000 when the event has no date, so a date range never holds it). R*Tree coordinates are 32-bit floats,
-- rounded outwards: the listing checks events.lat and events.lon exactly on the rows it finds.
CREATE VIRTUAL TABLE events_rtree USING rtree (
    event_rowid,
    min_lon, max_lon,
    min_lat, max_lat,
    min_day, max_day
);

INSERT INTO events_rtree (event_rowid, min_lon, max_lon, min_lat, max_lat, min_day, max_day)
SELECT rowid, lon, lon, lat, lat,
       coalesce(CAST(julianday(substr(date, 1, 10)) - 2440587.5 AS INTEGER), -10000000),
       coalesce(CAST(julianday(substr(date, 1, 10)) - 2440587.5 AS INTEGER), -10000000)
FROM events WHERE lat IS NOT NULL AND lon IS NOT NULL;

-- Rows are added by the store with each batch (as the full-text rows are); they go with their event.
CREATE TRIGGER events_rtree_ad AFTER DELETE ON events BEGIN
    DELETE FROM events_rtree WHERE event_rowid = old.rowid;
END;
