-- Vigie event store, SQLite, version 1.
-- Tables are named for people browsing them in datasette: documents, events, event_flags,
-- and the full-text indexes documents_fts and events_fts (external content, kept in step by triggers,
-- as sqlite-utils' enable_fts does, so datasette offers a search box on both tables).

CREATE TABLE documents (
    doc_id          TEXT PRIMARY KEY,
    content_hash    TEXT NOT NULL UNIQUE,
    lang            TEXT COLLATE NOCASE,
    lang_confidence REAL,
    published       TEXT,   -- ISO date
    url             TEXT,
    source          TEXT,
    title           TEXT,
    path            TEXT,
    outcome         TEXT NOT NULL
        CHECK (outcome IN ('events', 'no_trigger', 'unsupported_language', 'unreadable', 'empty')),
    reason          TEXT,
    event_count     INTEGER NOT NULL DEFAULT 0,
    ingested_at     TEXT NOT NULL,  -- ISO timestamp, UTC
    text            TEXT NOT NULL
);

CREATE INDEX documents_outcome ON documents (outcome);
CREATE INDEX documents_ingested_at ON documents (ingested_at);

-- One row per EventRecord: the queryable fields as columns, the whole record as JSON in `record`,
-- which is what the store reads back (so a record round-trips exactly).
CREATE TABLE events (
    id                 TEXT PRIMARY KEY,
    doc_id             TEXT NOT NULL REFERENCES documents (doc_id) ON DELETE CASCADE,
    type               TEXT NOT NULL COLLATE NOCASE,
    mode               TEXT COLLATE NOCASE,
    date               TEXT,   -- ISO date, start of a range; NULL when unresolved
    date_end           TEXT,
    date_precision     TEXT NOT NULL,
    date_text          TEXT,
    place              TEXT,
    country            TEXT COLLATE NOCASE,  -- ISO 3166-1 alpha-2
    admin1             TEXT,
    lat                REAL,
    lon                REAL,
    source_actors      TEXT,   -- canonical names (else as written), ';'-joined, for browsing
    target_actors      TEXT,
    status             TEXT NOT NULL,        -- attribution status
    attributed_to      TEXT,
    confidence         REAL NOT NULL,
    lang               TEXT COLLATE NOCASE,
    evidence           TEXT NOT NULL,
    evidence_start     INTEGER NOT NULL,
    evidence_end       INTEGER NOT NULL,
    cameo_root         TEXT,
    acled_type         TEXT,
    acled_subtype      TEXT,
    record             TEXT NOT NULL CHECK (json_valid(record))
);

CREATE INDEX events_doc_id ON events (doc_id);
CREATE INDEX events_date ON events (date, id);
CREATE INDEX events_type ON events (type);
CREATE INDEX events_country ON events (country);

CREATE TABLE event_flags (
    event_id TEXT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    flag     TEXT NOT NULL,
    PRIMARY KEY (event_id, flag)
) WITHOUT ROWID;

CREATE INDEX event_flags_flag ON event_flags (flag);

CREATE VIRTUAL TABLE events_fts USING fts5 (
    evidence,
    content = 'events',
    content_rowid = 'rowid',
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TRIGGER events_ai AFTER INSERT ON events BEGIN
    INSERT INTO events_fts (rowid, evidence) VALUES (new.rowid, new.evidence);
END;

CREATE TRIGGER events_ad AFTER DELETE ON events BEGIN
    INSERT INTO events_fts (events_fts, rowid, evidence) VALUES ('delete', old.rowid, old.evidence);
END;

CREATE TRIGGER events_au AFTER UPDATE ON events BEGIN
    INSERT INTO events_fts (events_fts, rowid, evidence) VALUES ('delete', old.rowid, old.evidence);
    INSERT INTO events_fts (rowid, evidence) VALUES (new.rowid, new.evidence);
END;

CREATE VIRTUAL TABLE documents_fts USING fts5 (
    title,
    text,
    content = 'documents',
    content_rowid = 'rowid',
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TRIGGER documents_ai AFTER INSERT ON documents BEGIN
    INSERT INTO documents_fts (rowid, title, text) VALUES (new.rowid, new.title, new.text);
END;

CREATE TRIGGER documents_ad AFTER DELETE ON documents BEGIN
    INSERT INTO documents_fts (documents_fts, rowid, title, text)
    VALUES ('delete', old.rowid, old.title, old.text);
END;

CREATE TRIGGER documents_au AFTER UPDATE ON documents BEGIN
    INSERT INTO documents_fts (documents_fts, rowid, title, text)
    VALUES ('delete', old.rowid, old.title, old.text);
    INSERT INTO documents_fts (rowid, title, text) VALUES (new.rowid, new.title, new.text);
END;
