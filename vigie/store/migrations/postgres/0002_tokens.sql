-- Vigie event store, PostgreSQL, version 2: write tokens for the API, kept as hashes only ("sha256:<hex>"),
-- so reading the database never gives a usable token.

CREATE TABLE api_tokens (
    token_hash TEXT COLLATE "C" PRIMARY KEY,
    name       TEXT,
    created_at TEXT COLLATE "C" NOT NULL  -- ISO timestamp, UTC
);
