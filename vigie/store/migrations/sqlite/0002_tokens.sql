-- Vigie event store, SQLite, version 2: write tokens for the API, kept as hashes only ("sha256:<hex>"),
-- so reading the database never gives a usable token.

CREATE TABLE api_tokens (
    token_hash TEXT PRIMARY KEY,
    name       TEXT,
    created_at TEXT NOT NULL  -- ISO timestamp, UTC
) WITHOUT ROWID;
