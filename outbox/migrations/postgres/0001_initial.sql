-- The first schema: endpoints, messages, one delivery per (message, endpoint), attempts.
-- Instants are unix milliseconds (BIGINT); JSON documents are TEXT, read by the outbox only.

CREATE TABLE endpoints (
    id              TEXT PRIMARY KEY,
    url             TEXT NOT NULL,
    scheme          TEXT NOT NULL,
    secrets         TEXT NOT NULL,             -- JSON array: every active secret (rotation)
    config          TEXT NOT NULL,             -- JSON: patterns, filters, headers, retry, pacing
    tenant          TEXT,
    enabled         BOOLEAN NOT NULL DEFAULT TRUE,
    disabled_reason TEXT,
    disabled_at     BIGINT,
    health          TEXT NOT NULL,             -- JSON: hookwire::EndpointHealth
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    version         BIGINT NOT NULL DEFAULT 1  -- bumped on every change workers must see
);

CREATE TABLE messages (
    id              TEXT PRIMARY KEY,          -- the webhook id on every attempt
    event_type      TEXT NOT NULL,
    payload         BYTEA NOT NULL,            -- the exact bytes sent
    idempotency_key TEXT UNIQUE,
    tenant          TEXT,
    created_at      BIGINT NOT NULL
);

CREATE TABLE deliveries (
    id              TEXT PRIMARY KEY,
    message_id      TEXT NOT NULL REFERENCES messages (id),
    endpoint_id     TEXT NOT NULL REFERENCES endpoints (id),
    event_type      TEXT NOT NULL,
    status          TEXT NOT NULL,             -- pending | retrying | succeeded | failed | cancelled
    due_at          BIGINT,                    -- next attempt, or the lease's end while claimed
    attempts        INTEGER NOT NULL DEFAULT 0,
    run_attempts    INTEGER NOT NULL DEFAULT 0, -- automatic attempts since the run started
    run_started_at  BIGINT NOT NULL,
    manual          BOOLEAN NOT NULL DEFAULT FALSE,
    claim_token     TEXT,                      -- fencing: only the holder may write
    claimed_by      TEXT,
    lease_until     BIGINT,
    last_status     INTEGER,
    last_error      TEXT,
    give_up_reason  TEXT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    finished_at     BIGINT,
    UNIQUE (message_id, endpoint_id)
);

-- Claims read only the due end of this index (FOR UPDATE SKIP LOCKED).
CREATE INDEX deliveries_due ON deliveries (due_at) WHERE status IN ('pending', 'retrying');

CREATE TABLE attempts (
    id                 BIGSERIAL PRIMARY KEY,
    delivery_id        TEXT NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
    number             INTEGER NOT NULL,
    started_at         BIGINT NOT NULL,
    duration_ms        BIGINT NOT NULL,
    status             INTEGER,
    class              TEXT NOT NULL,
    failure            TEXT,
    error              TEXT,
    response_headers   TEXT NOT NULL,          -- JSON array of [name, value]
    response_body      TEXT NOT NULL,
    response_truncated BOOLEAN NOT NULL,
    manual             BOOLEAN NOT NULL,
    worker             TEXT NOT NULL
);

CREATE INDEX attempts_delivery ON attempts (delivery_id, number);
