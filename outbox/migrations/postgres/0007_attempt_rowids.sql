-- SQLite's migration 7 rebuilds `attempts` without AUTOINCREMENT, whose `sqlite_sequence` row
-- every attempt's INSERT wrote (see migrations/sqlite/0007_attempt_rowids.sql). PostgreSQL's
-- `BIGSERIAL` takes its ids from a sequence, which is no b-tree and writes a WAL record once
-- per 32 values, not once per row; nothing changes here: a PostgreSQL database of the sixth
-- schema is already one of the seventh. Schema versions are one sequence across both
-- engines, so the number is kept.
SELECT 1;
