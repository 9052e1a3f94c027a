-- Evidence holds: footage of `camera` overlapping [from_ms, to_ms) is never deleted by retention while
-- the hold is active (released_ms IS NULL).
CREATE TABLE locks (
    id          INTEGER PRIMARY KEY,
    site        TEXT    NOT NULL,
    camera      TEXT    NOT NULL,
    from_ms     INTEGER NOT NULL,
    to_ms       INTEGER NOT NULL,
    reason      TEXT,
    created_ms  INTEGER NOT NULL,
    created_by  TEXT,                 -- OS user who placed the hold
    released_ms INTEGER,              -- NULL while the hold is active
    released_by TEXT,
    CHECK (to_ms > from_ms)
);
CREATE INDEX locks_camera_from ON locks (camera, from_ms);

-- Who exported, locked, unlocked or took a snapshot of what, and when. Append-only: the triggers
-- refuse any change to a row once written.
CREATE TABLE audit (
    id       INTEGER PRIMARY KEY,
    at_ms    INTEGER NOT NULL,
    os_user  TEXT,
    action   TEXT    NOT NULL,        -- export, lock, unlock, snapshot
    site     TEXT,
    camera   TEXT,
    from_ms  INTEGER,
    to_ms    INTEGER,
    reason   TEXT,
    output   TEXT,                    -- absolute path of what was written, if anything
    sha256   TEXT,                    -- of the output
    detail   TEXT
);
CREATE INDEX audit_at ON audit (at_ms);
CREATE TRIGGER audit_append_only_update BEFORE UPDATE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
CREATE TRIGGER audit_append_only_delete BEFORE DELETE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
