-- Recording runs: one unbroken session of one camera, from its first written frame to its end.
CREATE TABLE runs (
    id          INTEGER PRIMARY KEY,
    site        TEXT    NOT NULL,
    camera      TEXT    NOT NULL,
    start_ms    INTEGER NOT NULL,
    end_ms      INTEGER,            -- NULL while the run is going on (or was cut short by a crash)
    end_reason  TEXT,               -- FailureReason label, 'shutdown' or 'crash'
    detail      TEXT,
    video_codec TEXT,
    width       INTEGER,
    height      INTEGER,
    audio_codec TEXT
);
CREATE INDEX runs_camera_start ON runs (camera, start_ms);

-- Segments: one MP4 file each. See Index.java for the disk/index invariant.
CREATE TABLE segments (
    id          INTEGER PRIMARY KEY,
    run_id      INTEGER REFERENCES runs (id) ON DELETE SET NULL,
    site        TEXT    NOT NULL,
    camera      TEXT    NOT NULL,
    path        TEXT    NOT NULL UNIQUE,   -- relative to the storage root
    state       TEXT    NOT NULL CHECK (state IN ('open', 'closed', 'deleting')),
    start_ms    INTEGER NOT NULL,
    end_ms      INTEGER,
    duration_ms INTEGER,
    bytes       INTEGER NOT NULL DEFAULT 0,
    frames      INTEGER,
    video_codec TEXT,
    width       INTEGER,
    height      INTEGER,
    audio_codec TEXT,
    sha256      TEXT
);
CREATE INDEX segments_camera_start ON segments (camera, start_ms);

-- Periods when a camera was configured but not recording, with the reason it was down.
CREATE TABLE outages (
    id       INTEGER PRIMARY KEY,
    site     TEXT    NOT NULL,
    camera   TEXT    NOT NULL,
    start_ms INTEGER NOT NULL,
    end_ms   INTEGER,                -- NULL while the outage lasts
    reason   TEXT    NOT NULL,
    detail   TEXT
);
CREATE INDEX outages_camera_start ON outages (camera, start_ms);

-- The daemon's view of each camera, for `nvr cameras` run from another process.
CREATE TABLE camera_state (
    camera     TEXT    PRIMARY KEY,
    site       TEXT    NOT NULL,
    state      TEXT    NOT NULL,
    since_ms   INTEGER NOT NULL,
    reason     TEXT,
    detail     TEXT,
    updated_ms INTEGER NOT NULL
);
