-- Evidence copied off-site (org.nvr.replication). The daemon writes replication_settings and
-- replication_cameras at start from `replication:`; the triggers below read them, so that a hold placed
-- by the CLI or the web, a segment closed inside a hold and an export queue their objects in the same
-- transaction that makes them: nothing held is ever missed, whichever process wrote it.
CREATE TABLE replication_settings (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    enabled INTEGER NOT NULL DEFAULT 0
);
INSERT INTO replication_settings (id, enabled) VALUES (1, 0);

-- Cameras whose every closed segment is copied (`copy: all`).
CREATE TABLE replication_cameras (
    camera TEXT PRIMARY KEY
);

-- One object to copy. `held` items (a hold's segments, exports) keep their footage until copied:
-- retention's predicate (SegmentDeleter.UNLOCKED) skips a segment with a pending held item, even after
-- its hold is released. Unheld items (`copy: all`) give way to retention: their segment may be deleted
-- before it is copied, and the item becomes 'dropped' (counted).
CREATE TABLE replication_queue (
    id          INTEGER PRIMARY KEY,
    kind        TEXT    NOT NULL CHECK (kind IN ('segment', 'export', 'manifest')),
    site        TEXT    NOT NULL,
    camera      TEXT    NOT NULL,
    start_ms    INTEGER NOT NULL,     -- the segment's start; an export's time
    path        TEXT    NOT NULL,     -- segments: relative to the storage root; exports: absolute
    sha256      TEXT,                 -- as indexed at close / as audited at export; NULL for a manifest
    bytes       INTEGER,              -- known once the file was read
    held        INTEGER NOT NULL,
    state       TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'dropped')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_reason TEXT,                 -- a bounded failure reason (auth, no_bucket, network, ...)
    last_error  TEXT,
    upload_id   TEXT,                 -- multipart upload in progress
    created_ms  INTEGER NOT NULL,
    next_ms     INTEGER NOT NULL DEFAULT 0,  -- not tried before this (backoff)
    done_ms     INTEGER,
    object_key  TEXT,
    UNIQUE (kind, path)
);
CREATE INDEX replication_queue_state ON replication_queue (state, next_ms);

-- Parts of a multipart upload the server confirmed: never sent again, even after a crash.
CREATE TABLE replication_parts (
    item_id     INTEGER NOT NULL REFERENCES replication_queue (id) ON DELETE CASCADE,
    part_number INTEGER NOT NULL,
    bytes       INTEGER NOT NULL,
    etag        TEXT    NOT NULL,
    md5         TEXT    NOT NULL,     -- hex, of the part's bytes
    PRIMARY KEY (item_id, part_number)
);

CREATE TRIGGER replication_hold_placed AFTER INSERT ON locks
WHEN (SELECT enabled FROM replication_settings WHERE id = 1) = 1 AND NEW.released_ms IS NULL
BEGIN
    INSERT INTO replication_queue (kind, site, camera, start_ms, path, sha256, bytes, held, created_ms)
    SELECT 'segment', s.site, s.camera, s.start_ms, s.path, s.sha256, s.bytes, 1,
           CAST(unixepoch('subsec') * 1000 AS INTEGER)
    FROM segments s
    WHERE s.camera = NEW.camera AND s.state = 'closed' AND s.start_ms < NEW.to_ms AND s.end_ms > NEW.from_ms
    ON CONFLICT (kind, path) DO UPDATE SET held = 1;
END;

CREATE TRIGGER replication_segment_closed AFTER UPDATE OF state ON segments
WHEN NEW.state = 'closed' AND OLD.state <> 'closed' AND (SELECT enabled FROM replication_settings WHERE id = 1) = 1
BEGIN
    INSERT INTO replication_queue (kind, site, camera, start_ms, path, sha256, bytes, held, created_ms)
    SELECT 'segment', NEW.site, NEW.camera, NEW.start_ms, NEW.path, NEW.sha256, NEW.bytes, h.held,
           CAST(unixepoch('subsec') * 1000 AS INTEGER)
    FROM (SELECT EXISTS (SELECT 1 FROM locks l WHERE l.camera = NEW.camera AND l.released_ms IS NULL
                          AND l.from_ms < NEW.end_ms AND l.to_ms > NEW.start_ms) AS held) h
    WHERE h.held = 1 OR EXISTS (SELECT 1 FROM replication_cameras c WHERE c.camera = NEW.camera)
    ON CONFLICT (kind, path) DO UPDATE SET held = MAX(held, excluded.held), sha256 = excluded.sha256,
        bytes = excluded.bytes;
END;

CREATE TRIGGER replication_export_audited AFTER INSERT ON audit
WHEN NEW.action = 'export' AND NEW.output IS NOT NULL AND (SELECT enabled FROM replication_settings WHERE id = 1) = 1
BEGIN
    INSERT OR IGNORE INTO replication_queue (kind, site, camera, start_ms, path, sha256, held, created_ms)
    VALUES ('export', COALESCE(NEW.site, ''), COALESCE(NEW.camera, ''), NEW.at_ms, NEW.output, NEW.sha256, 1,
            CAST(unixepoch('subsec') * 1000 AS INTEGER));
    INSERT OR IGNORE INTO replication_queue (kind, site, camera, start_ms, path, sha256, held, created_ms)
    VALUES ('manifest', COALESCE(NEW.site, ''), COALESCE(NEW.camera, ''), NEW.at_ms, NEW.output || '.json', NULL, 1,
            CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;

-- Retention deleted a segment before it was copied (only possible for unheld items): say so.
CREATE TRIGGER replication_segment_deleted AFTER DELETE ON segments
BEGIN
    UPDATE replication_queue SET state = 'dropped', last_reason = 'deleted_before_copy',
        last_error = 'retention deleted the segment before it was copied'
    WHERE kind = 'segment' AND path = OLD.path AND state = 'pending';
END;
