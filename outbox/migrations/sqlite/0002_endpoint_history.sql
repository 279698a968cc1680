-- Per-endpoint history without joins: statistics read attempts by endpoint, the delivery log
-- and recovery read deliveries by endpoint and time.

ALTER TABLE attempts ADD COLUMN endpoint_id TEXT;
UPDATE attempts SET endpoint_id = (SELECT endpoint_id FROM deliveries WHERE deliveries.id = attempts.delivery_id);
CREATE INDEX attempts_endpoint ON attempts (endpoint_id, started_at);
CREATE INDEX deliveries_endpoint ON deliveries (endpoint_id, created_at);
CREATE INDEX deliveries_created ON deliveries (created_at);
