-- Vigie event store, PostgreSQL, version 1: the same tables as the SQLite store, created in the first schema of
-- the connection's search_path. Identifiers and ISO dates use the "C" collation so ordering and id prefixes
-- compare code points, as SQLite does; case-insensitive filters go through lower() and its indexes.

-- Accent folding for full-text search. unaccent ships with the server in Debian (postgresql-contrib) and is a
-- trusted extension, so a database owner may create it; without it search still works, accents included.
DO $$
BEGIN
    CREATE EXTENSION IF NOT EXISTS unaccent;
EXCEPTION WHEN OTHERS THEN
    RAISE WARNING 'unaccent is not available (%); full-text search will be accent-sensitive', SQLERRM;
END
$$;

-- One configuration per stemmed language plus vigie_simple (every word as written, lower-cased): an event's
-- evidence is indexed with both, so a stem ("manifest") and an exact unstemmed word ("manifestants") both match.
CREATE TEXT SEARCH CONFIGURATION vigie_simple (COPY = pg_catalog.simple);
CREATE TEXT SEARCH CONFIGURATION vigie_french (COPY = pg_catalog.french);
CREATE TEXT SEARCH CONFIGURATION vigie_english (COPY = pg_catalog.english);
CREATE TEXT SEARCH CONFIGURATION vigie_russian (COPY = pg_catalog.russian);

DO $$
DECLARE
    accents text := '';
    home name;
BEGIN
    -- The extension may live in another schema than these tables (one install serves a whole database).
    SELECT n.nspname INTO home FROM pg_ts_dict d JOIN pg_namespace n ON n.oid = d.dictnamespace
     WHERE d.dictname = 'unaccent' ORDER BY n.nspname = current_schema() DESC LIMIT 1;
    IF home IS NOT NULL THEN
        accents := format('%I.unaccent, ', home);
    END IF;
    -- ASCII words carry no accents; everything else (é, ё, hyphenated words) is folded before stemming.
    EXECUTE format('ALTER TEXT SEARCH CONFIGURATION vigie_simple ALTER MAPPING FOR hword, hword_part, word'
                   ' WITH %s pg_catalog.simple', accents);
    EXECUTE format('ALTER TEXT SEARCH CONFIGURATION vigie_french ALTER MAPPING FOR hword, hword_part, word'
                   ' WITH %s pg_catalog.french_stem', accents);
    EXECUTE format('ALTER TEXT SEARCH CONFIGURATION vigie_english ALTER MAPPING FOR hword, hword_part, word'
                   ' WITH %s pg_catalog.english_stem', accents);
    EXECUTE format('ALTER TEXT SEARCH CONFIGURATION vigie_russian ALTER MAPPING FOR hword, hword_part, word'
                   ' WITH %s pg_catalog.russian_stem', accents);
END
$$;

CREATE TABLE documents (
    doc_id          TEXT COLLATE "C" PRIMARY KEY,
    content_hash    TEXT COLLATE "C" NOT NULL UNIQUE,
    lang            TEXT,
    lang_confidence DOUBLE PRECISION,
    published       DATE,
    url             TEXT,
    source          TEXT,
    title           TEXT,
    path            TEXT,
    outcome         TEXT NOT NULL
        CHECK (outcome IN ('events', 'no_trigger', 'unsupported_language', 'unreadable', 'empty')),
    reason          TEXT,
    event_count     INTEGER NOT NULL DEFAULT 0,
    ingested_at     TEXT COLLATE "C" NOT NULL,  -- ISO timestamp, UTC, kept as given
    text            TEXT NOT NULL
);

CREATE INDEX documents_outcome ON documents (outcome);
CREATE INDEX documents_ingested_at ON documents (ingested_at, doc_id);

-- One row per EventRecord: the queryable fields as columns, the whole record as JSON in `record` (json, not
-- jsonb, so it reads back byte for byte and a record round-trips exactly).
CREATE TABLE events (
    id                 TEXT COLLATE "C" PRIMARY KEY,
    doc_id             TEXT COLLATE "C" NOT NULL REFERENCES documents (doc_id) ON DELETE CASCADE,
    type               TEXT NOT NULL,
    mode               TEXT,
    date               TEXT COLLATE "C",  -- ISO date, start of a range; NULL when unresolved
    date_end           TEXT COLLATE "C",
    date_precision     TEXT NOT NULL,
    date_text          TEXT,
    place              TEXT,
    country            TEXT,              -- ISO 3166-1 alpha-2
    admin1             TEXT,
    lat                DOUBLE PRECISION,
    lon                DOUBLE PRECISION,
    source_actors      TEXT,              -- canonical names (else as written), ';'-joined, for browsing
    target_actors      TEXT,
    status             TEXT NOT NULL,     -- attribution status
    attributed_to      TEXT,
    confidence         DOUBLE PRECISION NOT NULL,
    lang               TEXT,
    evidence           TEXT NOT NULL,
    evidence_start     INTEGER NOT NULL,
    evidence_end       INTEGER NOT NULL,
    cameo_root         TEXT,
    acled_type         TEXT,
    acled_subtype      TEXT,
    record             JSON NOT NULL,
    -- The evidence stemmed in its language, plus every word as written; the configuration names below are
    -- stored as object ids, so the column does not depend on search_path (pg_dump/pg_restore keep it working).
    search             TSVECTOR GENERATED ALWAYS AS (
        to_tsvector(
            CASE split_part(lower(lang), '-', 1)
                WHEN 'fr' THEN 'vigie_french'::regconfig
                WHEN 'en' THEN 'vigie_english'::regconfig
                WHEN 'ru' THEN 'vigie_russian'::regconfig
                ELSE 'vigie_simple'::regconfig
            END,
            evidence
        ) || to_tsvector('vigie_simple'::regconfig, evidence)
    ) STORED
);

CREATE INDEX events_doc_id ON events (doc_id);
CREATE INDEX events_date ON events (date, id);
CREATE INDEX events_type ON events (lower(type));
CREATE INDEX events_country ON events (lower(country));
CREATE INDEX events_search ON events USING gin (search);

CREATE TABLE event_flags (
    event_id TEXT COLLATE "C" NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    flag     TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (event_id, flag)
);

CREATE INDEX event_flags_flag ON event_flags (flag);
