-- How the daemon records each camera now: the configured source (rtsp or ffmpeg), or ffmpeg with the
-- codec that made a camera configured for our RTSP client fall back to it. Rewritten at every start.
CREATE TABLE camera_source (
    camera     TEXT    PRIMARY KEY,
    site       TEXT    NOT NULL,
    source     TEXT    NOT NULL,
    fallback   TEXT,
    updated_ms INTEGER NOT NULL
);
