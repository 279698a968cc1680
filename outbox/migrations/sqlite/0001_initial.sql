-- The first schema: endpoints, messages, one delivery per (message, endpoint), attempts.
-- Instants are unix milliseconds (INTEGER); JSON documents are TEXT.

CREATE TABLE endpoints (
    id              TEXT PRIMARY KEY,
    url             TEXT NOT NULL,
    scheme          TEXT NOT NULL,
    secrets         TEXT NOT NULL,             -- JSON array: every active secret (rotation)
    config          TEXT NOT NULL,             -- JSON: patterns, filters, headers, retry, pacing
    tenant          TEXT,
    enabled         INTEGER NOT NULL DEFAULT 1,
    disabled_reason TEXT,
    disabled_at     INTEGER,
    health          TEXT NOT NULL,             -- JSON: hookwire::EndpointHealth
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    version         INTEGER NOT NULL DEFAULT 1 -- bumped on every change workers must see
);

CREATE TABLE messages (
    id              TEXT PRIMARY KEY,          -- the webhook id on every attempt
    event_type      TEXT NOT NULL,
    payload         BLOB NOT NULL,             -- the exact bytes sent
    idempotency_key TEXT UNIQUE,
    tenant          TEXT,
    created_at      INTEGER NOT NULL
);

CREATE TABLE deliveries (
    id              TEXT PRIMARY KEY,
    message_id      TEXT NOT NULL REFERENCES messages (id),
    endpoint_id     TEXT NOT NULL REFERENCES endpoints (id),
    event_type      TEXT NOT NULL,
    status          TEXT NOT NULL,             -- pending | retrying | succeeded | failed | cancelled
    due_at          INTEGER,                   -- next attempt, or the lease's end while claimed
    attempts        INTEGER NOT NULL DEFAULT 0,
    run_attempts    INTEGER NOT NULL DEFAULT 0, -- automatic attempts since the run started
    run_started_at  INTEGER NOT NULL,
    manual          INTEGER NOT NULL DEFAULT 0,
    claim_token     TEXT,                      -- fencing: only the holder may write
    claimed_by      TEXT,
    lease_until     INTEGER,
    last_status     INTEGER,
    last_error      TEXT,
    give_up_reason  TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    finished_at     INTEGER,
    UNIQUE (message_id, endpoint_id)
);

-- Claims read only the due end of this index.
CREATE INDEX deliveries_due ON deliveries (due_at) WHERE status IN ('pending', 'retrying');

CREATE TABLE attempts (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id        TEXT NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
    number             INTEGER NOT NULL,
    started_at         INTEGER NOT NULL,
    duration_ms        INTEGER NOT NULL,
    status             INTEGER,
    class              TEXT NOT NULL,
    failure            TEXT,
    error              TEXT,
    response_headers   TEXT NOT NULL,          -- JSON array of [name, value]
    response_body      TEXT NOT NULL,
    response_truncated INTEGER NOT NULL,
    manual             INTEGER NOT NULL,
    worker             TEXT NOT NULL
);

CREATE INDEX attempts_delivery ON attempts (delivery_id, number);
