-- A claim reads the payload of every delivery it takes. Message ids are random (they are the
-- webhook ids receivers see), so by id each claimed delivery's message sits on its own page of
-- the id index, and then of the table: with 1,000,000 pending those pages are rarely in SQLite's
-- page cache. Messages now also carry a number in publish order, and each delivery the number
-- of its message: the deliveries a claim takes (the oldest due) read neighbouring pages.
-- (A column added by ALTER TABLE cannot be NOT NULL without a default: the store writes it on
-- every insert, and reads a payload by id where a row has none.)
ALTER TABLE messages ADD COLUMN seq INTEGER;
UPDATE messages SET seq = rowid;
CREATE UNIQUE INDEX messages_seq ON messages (seq);
ALTER TABLE deliveries ADD COLUMN message_seq INTEGER;
UPDATE deliveries SET message_seq = (SELECT seq FROM messages WHERE messages.id = deliveries.message_id);
