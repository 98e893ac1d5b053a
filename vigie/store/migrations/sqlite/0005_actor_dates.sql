-- Vigie event store, SQLite, version 5: each actor row carries its event's date, so a page of an actor's events is
-- one range of (name, date, event_id), read in the listing's order and stopped at the end of the page, instead of
-- every event of the actor read and sorted (a common actor names tens of thousands of events in a million).

-- The event's date, as in events.date (NULL when unresolved); written with the row, never changed (an event is
-- replaced with its document, never updated).
ALTER TABLE event_actors ADD COLUMN date TEXT;

UPDATE event_actors SET date = (SELECT e.date FROM events e WHERE e.id = event_actors.event_id);

CREATE INDEX event_actors_name_date ON event_actors (name, date, event_id);
