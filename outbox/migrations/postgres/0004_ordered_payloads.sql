-- A claim reads the payload of every delivery it takes. Message ids are random (they are the
-- webhook ids receivers see), so by id each claimed delivery's message sits on its own page of
-- the id index: with 1,000,000 pending, a claim of 32 read some 27 index pages that were not in
-- the server's buffers, and the claim cost grew with the queue. Messages now also carry a number
-- in publish order, and each delivery the number of its message: the deliveries a claim takes
-- (the oldest due) point at neighbouring entries of that index, a page or two per claim.
ALTER TABLE messages ADD COLUMN seq BIGINT GENERATED ALWAYS AS IDENTITY;
CREATE UNIQUE INDEX messages_seq ON messages (seq);
ALTER TABLE deliveries ADD COLUMN message_seq BIGINT;
UPDATE deliveries d SET message_seq = m.seq FROM messages m WHERE m.id = d.message_id;
ALTER TABLE deliveries ALTER COLUMN message_seq SET NOT NULL;
