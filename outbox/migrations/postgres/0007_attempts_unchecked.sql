-- A completion no longer checks each attempt's delivery by foreign key. The key's check ran
-- once per attempt inserted, as a query of its own in a trigger (`SELECT 1 FROM deliveries
-- WHERE id = $1 FOR KEY SHARE`, looked up and run per row): about 8 µs of server time per
-- delivery in a drain, a quarter of the completion's (30.3 → 22.0 µs per delivery in
-- `pg_stat_statements`, 20,000 deliveries). It could find nothing to refuse: the only
-- statement that inserts attempts (the completion's) inserts one only for a delivery it has
-- just updated in that statement, whose row it holds locked until it commits.
--
-- What the key also did, delete a delivery's attempts with it, a trigger does now, once per
-- statement and only when deliveries are deleted (an endpoint deleted, a purge), so that every
-- build deleting deliveries, an earlier one too, leaves no attempt behind. It runs after the
-- delete, with a snapshot of its own: an attempt committed by a completion the delete waited
-- for is seen and deleted. A `TRUNCATE` of deliveries (which the key refused unless attempts
-- went too) truncates attempts as well.
--
-- Both tables are locked first, in the order every statement on them takes (deliveries, then
-- attempts), and for no longer than 5 s: dropping the key and creating the triggers need an
-- ACCESS EXCLUSIVE lock on both, and while this migration waits for one (behind an open
-- `publish_in` transaction, a long purge), every statement on those tables waits behind it.
SET LOCAL lock_timeout = '5s';

DO $$
BEGIN
    LOCK TABLE deliveries, attempts IN ACCESS EXCLUSIVE MODE;
EXCEPTION WHEN lock_not_available THEN
    RAISE EXCEPTION 'another transaction has held deliveries or attempts for 5 s (an open publish_in '
        'transaction, a purge?), and this migration waits no longer so that the statements on them '
        'do not queue behind it: open the database again'
        USING ERRCODE = 'lock_not_available';
END
$$;

-- The key by what it links, not by PostgreSQL's default name for it.
DO $$
DECLARE
    key name;
BEGIN
    FOR key IN
        SELECT conname FROM pg_constraint
        WHERE contype = 'f' AND conrelid = 'attempts'::regclass AND confrelid = 'deliveries'::regclass
    LOOP
        EXECUTE format('ALTER TABLE attempts DROP CONSTRAINT %I', key);
    END LOOP;
END
$$;

CREATE FUNCTION hookwire_delete_attempts() RETURNS trigger
LANGUAGE plpgsql
-- The tables it names are the ones of the schema it was made in, whatever the caller's path.
SET search_path FROM CURRENT
AS $$
BEGIN
    DELETE FROM attempts WHERE delivery_id IN (SELECT id FROM gone);
    RETURN NULL;
END
$$;

CREATE TRIGGER deliveries_delete_attempts AFTER DELETE ON deliveries
    REFERENCING OLD TABLE AS gone
    FOR EACH STATEMENT EXECUTE FUNCTION hookwire_delete_attempts();

CREATE FUNCTION hookwire_truncate_attempts() RETURNS trigger
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $$
BEGIN
    TRUNCATE attempts;
    RETURN NULL;
END
$$;

CREATE TRIGGER deliveries_truncate_attempts BEFORE TRUNCATE ON deliveries
    FOR EACH STATEMENT EXECUTE FUNCTION hookwire_truncate_attempts();

-- The 5 s bound is this migration's: a later one in the same open waits as it chooses.
SET LOCAL lock_timeout = DEFAULT;
