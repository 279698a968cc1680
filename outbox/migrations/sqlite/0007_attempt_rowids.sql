-- `attempts` without AUTOINCREMENT. With it, every attempt's INSERT also reads and writes the
-- table's row in `sqlite_sequence` (a b-tree of its own, on top of the table and its two
-- indexes); the attempt INSERT is the largest store cost of a delivery left. A plain
-- `INTEGER PRIMARY KEY` is the rowid, and SQLite gives a new row the largest rowid in the table
-- plus one: each new attempt's id is larger than every attempt in the table when it is written,
-- which is all the order anything relies on (the last failure of an endpoint is the latest
-- `started_at`, its id only breaks ties between rows that exist together). What AUTOINCREMENT
-- adds, never reusing the id of a deleted row (after a purge or an endpoint's removal took the
-- newest ones), nothing reads: attempts are listed by delivery and number, and their ids are
-- not part of any record the store returns. SQLite cannot drop AUTOINCREMENT in place, so the
-- table is rebuilt with its rows and ids, in this migration's transaction. That copies every
-- attempt while holding the write lock (about 7 s for 1,000,000 attempts on the development
-- machine, under load): other processes' writes wait, and fail after their 30 s busy timeout
-- on a history of several million attempts (a worker retries; purge old history first).
CREATE TABLE attempts_rebuilt (
    id                 INTEGER PRIMARY KEY,
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
    worker             TEXT NOT NULL,
    endpoint_id        TEXT
);
INSERT INTO attempts_rebuilt (id, delivery_id, number, started_at, duration_ms, status, class, failure, error,
                              response_headers, response_body, response_truncated, manual, worker, endpoint_id)
SELECT id, delivery_id, number, started_at, duration_ms, status, class, failure, error,
       response_headers, response_body, response_truncated, manual, worker, endpoint_id
FROM attempts;
DROP TABLE attempts;
ALTER TABLE attempts_rebuilt RENAME TO attempts;
CREATE INDEX attempts_delivery ON attempts (delivery_id, number);
CREATE INDEX attempts_endpoint ON attempts (endpoint_id, started_at);
DELETE FROM sqlite_sequence WHERE name = 'attempts';
