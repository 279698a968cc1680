-- The due queue in a table of its own. A completion used to change indexed columns of
-- `deliveries` (its status and due time, both in the due index), so every completion wrote a
-- new row version with entries in all five of the table's indexes (about 800 buffer touches
-- per batch of 25). Now a delivery is in `delivery_queue` while it is pending or retrying:
-- claims read and lease only that small table, and a completion is a HOT update of
-- `deliveries` (no indexed column changes) plus a delete from the queue, or a new due time
-- there.
--
-- A claim leaves the due time alone and sets the lease (a HOT update of the queue: the table's
-- pages are half filled to leave room for it); a delivery whose lease holds is skipped, one
-- whose worker died is due again when its lease ends. The queue row carries what a claim
-- returns besides the payload (message number, attempt counts, the run's start, manual), so a
-- claim reads neither `deliveries` nor its id index.
CREATE TABLE delivery_queue (
    delivery_id    TEXT PRIMARY KEY REFERENCES deliveries (id) ON DELETE CASCADE,
    endpoint_id    TEXT NOT NULL,
    message_seq    BIGINT NOT NULL,
    due_at         BIGINT NOT NULL,            -- the next attempt (a lease may hold it back)
    attempts       INTEGER NOT NULL,           -- copies of the delivery's, for the claim
    run_attempts   INTEGER NOT NULL,
    run_started_at BIGINT NOT NULL,
    manual         BOOLEAN NOT NULL,
    claim_token    TEXT,                       -- fencing: only the holder may write
    claimed_by     TEXT,
    lease_until    BIGINT
) WITH (fillfactor = 50);
CREATE INDEX delivery_queue_due ON delivery_queue (due_at);
-- An endpoint's queued deliveries, for disabling or deleting it (inside a completion when a
-- worker disables it): without it both read the whole queue. Claims and renewals never change
-- the column, so they stay HOT; it costs an entry per delivery at publish and per retry.
CREATE INDEX delivery_queue_endpoint ON delivery_queue (endpoint_id);

INSERT INTO delivery_queue (delivery_id, endpoint_id, message_seq, due_at, attempts, run_attempts, run_started_at,
                            manual, claim_token, claimed_by, lease_until)
SELECT id, endpoint_id, message_seq, coalesce(due_at, updated_at), attempts, run_attempts, run_started_at, manual,
       claim_token, claimed_by, lease_until
FROM deliveries
WHERE status IN ('pending', 'retrying');

-- The due index goes with its column.
ALTER TABLE deliveries DROP COLUMN due_at, DROP COLUMN claim_token, DROP COLUMN claimed_by,
    DROP COLUMN lease_until;
ANALYZE delivery_queue;

-- The claim, as one call: lease up to `most` deliveries due by `due_by` (leaving out the
-- endpoints in `excluded`) and return what sending them needs. It is a function for its plans:
-- PostgreSQL planned the claim statement afresh on every call (its plan for unknown values,
-- `LIMIT $n` taken to keep a tenth of a third of the queue, always looked costlier than one for
-- the values), 0.37 ms of planning per claim against 0.55 ms of execution. Here the statement is
-- planned once per connection, for any values (`plan_cache_mode`), and the plan is the one made
-- for actual values: the front of the due index, the leased rows by their physical address
-- (`ctid`, stable while they are locked), each one's message by its number in publish order
-- (migration 4) and its endpoint.
CREATE FUNCTION hookwire_claim(token TEXT, worker TEXT, lease_end BIGINT, due_by BIGINT, most BIGINT, excluded TEXT[])
RETURNS TABLE (id TEXT, message_id TEXT, endpoint_id TEXT, event_type TEXT, attempts INTEGER,
               run_attempts INTEGER, run_started_at BIGINT, manual BOOLEAN, payload BYTEA, version BIGINT,
               enabled BOOLEAN)
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan
-- The tables it names are the ones of the schema it was made in, whatever the caller's path.
SET search_path FROM CURRENT
AS $$
#variable_conflict use_column
BEGIN
    IF cardinality(excluded) = 0 THEN
        RETURN QUERY
            WITH leased AS (
                UPDATE delivery_queue q SET claim_token = token, claimed_by = worker, lease_until = lease_end
                WHERE q.ctid = ANY (ARRAY(
                    SELECT f.ctid FROM delivery_queue f
                    WHERE f.due_at <= due_by AND (f.claim_token IS NULL OR f.lease_until <= due_by)
                    ORDER BY f.due_at LIMIT most FOR UPDATE SKIP LOCKED))
                RETURNING q.*
            )
            SELECT l.delivery_id, m.id, l.endpoint_id, m.event_type, l.attempts, l.run_attempts, l.run_started_at,
                l.manual, m.payload, e.version, e.enabled
            FROM leased l JOIN messages m ON m.seq = l.message_seq JOIN endpoints e ON e.id = l.endpoint_id;
    ELSE
        -- `ARRAY[endpoint_id] <@`, not `endpoint_id = ANY`: see src/store/postgres.rs.
        RETURN QUERY
            WITH leased AS (
                UPDATE delivery_queue q SET claim_token = token, claimed_by = worker, lease_until = lease_end
                WHERE q.ctid = ANY (ARRAY(
                    SELECT f.ctid FROM delivery_queue f
                    WHERE f.due_at <= due_by AND (f.claim_token IS NULL OR f.lease_until <= due_by)
                      AND NOT (ARRAY[f.endpoint_id] <@ excluded)
                    ORDER BY f.due_at LIMIT most FOR UPDATE SKIP LOCKED))
                RETURNING q.*
            )
            SELECT l.delivery_id, m.id, l.endpoint_id, m.event_type, l.attempts, l.run_attempts, l.run_started_at,
                l.manual, m.payload, e.version, e.enabled
            FROM leased l JOIN messages m ON m.seq = l.message_seq JOIN endpoints e ON e.id = l.endpoint_id;
    END IF;
END
$$;
