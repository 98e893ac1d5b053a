-- Vigie event store, PostgreSQL, version 5: each actor row carries its event's date (as the SQLite store's do), so
-- a page of an actor's events can be read from one range of (lower(name), date, event_id) in the listing's order.

-- The event's date, as in events.date (NULL when unresolved); written with the row, never changed (an event is
-- replaced with its document, never updated).
ALTER TABLE event_actors ADD COLUMN date TEXT COLLATE "C";

UPDATE event_actors a SET date = e.date FROM events e WHERE e.id = a.event_id;

CREATE INDEX event_actors_name_date ON event_actors (lower(name), date, event_id);
