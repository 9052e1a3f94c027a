-- A hold placed over a segment already copied unheld (`copy: all`) makes its queue item pending again,
-- so that the replicator, finding the object verified in the bucket, gives it its Object Lock retention
-- (the object is not sent again). Before, the item stayed done and the evidence stayed unlocked.
DROP TRIGGER replication_hold_placed;

CREATE TRIGGER replication_hold_placed AFTER INSERT ON locks
WHEN (SELECT enabled FROM replication_settings WHERE id = 1) = 1 AND NEW.released_ms IS NULL
BEGIN
    INSERT INTO replication_queue (kind, site, camera, start_ms, path, sha256, bytes, held, created_ms)
    SELECT 'segment', s.site, s.camera, s.start_ms, s.path, s.sha256, s.bytes, 1,
           CAST(unixepoch('subsec') * 1000 AS INTEGER)
    FROM segments s
    WHERE s.camera = NEW.camera AND s.state = 'closed' AND s.start_ms < NEW.to_ms AND s.end_ms > NEW.from_ms
    ON CONFLICT (kind, path) DO UPDATE SET held = 1,
        state = CASE WHEN held = 0 AND state = 'done' THEN 'pending' ELSE state END,
        next_ms = CASE WHEN held = 0 AND state = 'done' THEN 0 ELSE next_ms END;
END;
