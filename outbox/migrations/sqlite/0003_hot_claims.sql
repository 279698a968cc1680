-- PostgreSQL's migration 3 makes room for HOT updates of claims; SQLite has no such thing and
-- its claims keep moving the due time to the lease's end. Nothing to change here (the number
-- keeps both engines' migrations paired).
SELECT 1;
