-- Claims and lease renewals leave the indexed columns alone (a claimed delivery keeps its due
-- time; its lease says whether it is taken), so PostgreSQL can write them as HOT updates: the
-- new row version goes on the same page and no index gets an entry. That needs room on the
-- page for a new version of every row a claim takes from it, and a claim takes neighbours
-- (rows inserted together fall due together): new pages of `deliveries` are filled to half.
-- Pages written before this migration fill up as they were; they leave with purge.
ALTER TABLE deliveries SET (fillfactor = 50);
