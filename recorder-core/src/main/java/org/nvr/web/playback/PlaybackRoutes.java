package org.nvr.web.playback;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.nvr.config.CameraConfig;
import org.nvr.config.NvrConfig;
import org.nvr.footage.JsonText;
import org.nvr.footage.OutputFile;
import org.nvr.footage.SnapshotWriter;
import org.nvr.footage.TimeArg;
import org.nvr.index.FootageQueries;
import org.nvr.index.IndexException;
import org.nvr.index.SegmentRow;
import org.nvr.index.SegmentState;
import org.nvr.store.SegmentFinisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Recorded footage in the browser: {@code GET /playback/{camera}.mp4?from=&to=} (a {@link PlaybackMp4}
 * laid out from the index on the fly, byte ranges, ETag, HEAD; {@code &format=fmp4}: fragmented, for
 * Media Source Extensions), {@code GET /playback/{camera}.json}
 * (what that MP4 shows: its pieces of wall-clock time, so the page shows the time of the picture and
 * knows the gaps), and {@code GET /snapshot/{camera}.jpg?at=} ({@link SnapshotWriter}, as the CLI).
 *
 * <p>Audit: one line per playback, not per range request: a GET of the MP4 without {@code Range} or
 * with a range from byte 0 (what a {@code <video>} asks first) is a view; its seeks are not. Every
 * snapshot is a line (action {@code snapshot}, as the CLI's).
 *
 * <p>Threads: called on the event loop; index reads, file reads and decoding run on the footage
 * threads of the {@link BodySender}. Shared by all connections; the sample cache is its only state.
 */
public final class PlaybackRoutes {
    private static final Logger log = LoggerFactory.getLogger(PlaybackRoutes.class);
    /** A playback covers at most this much: the page asks for windows; a day-long moov is not needed. */
    static final Duration MAX_SPAN = Duration.ofHours(3);
    /** How far back a picture from a segment still being written may lie (as the CLI's snapshot). */
    private static final Duration OPEN_SEGMENT_LAG = Duration.ofSeconds(5);

    private final NvrConfig config;
    private final FootageAudit audit;
    private final BodySender sender;
    private final Clock clock;
    private final ZoneId zone;
    private final Path exports;
    private final SampleCache cache = new SampleCache(256);

    PlaybackRoutes(NvrConfig config, FootageAudit audit, BodySender sender, Clock clock, ZoneId zone, Path exports) {
        this.config = config;
        this.audit = audit;
        this.sender = sender;
        this.clock = clock;
        this.zone = zone;
        this.exports = exports;
    }

    /** {@code /playback/{camera}.mp4} or {@code .json}. */
    void playback(ChannelHandlerContext ctx, WebRequest req) {
        String name = req.path().substring("/playback/".length());
        boolean mp4 = name.endsWith(".mp4");
        if (!mp4 && !name.endsWith(".json")) {
            sender.error(ctx, req, HttpResponseStatus.NOT_FOUND, "not found");
            return;
        }
        String id = name.substring(0, name.lastIndexOf('.'));
        Optional<CameraConfig> camera = config.camera(id);
        if (camera.isEmpty()) {
            sender.error(ctx, req, HttpResponseStatus.NOT_FOUND, "unknown camera \"" + id + "\"");
            return;
        }
        Instant now = clock.instant();
        Instant from;
        Instant to;
        try {
            from = time(req, "from", now);
            to = time(req, "to", now);
        } catch (IllegalArgumentException e) {
            sender.error(ctx, req, HttpResponseStatus.BAD_REQUEST, e.getMessage());
            return;
        }
        if (!to.isAfter(from)) {
            sender.error(ctx, req, HttpResponseStatus.BAD_REQUEST, "'to' must be after 'from'");
            return;
        }
        if (Duration.between(from, to).compareTo(MAX_SPAN) > 0) {
            sender.error(ctx, req, HttpResponseStatus.BAD_REQUEST, "a playback covers at most "
                    + MAX_SPAN.toHours() + " h; ask for the next part when this one ends");
            return;
        }
        String format = req.param("format").orElse("mp4");
        if (!format.equals("mp4") && !format.equals("fmp4")) {
            sender.error(ctx, req, HttpResponseStatus.BAD_REQUEST, "format: mp4 (default) or fmp4");
            return;
        }
        sender.offload(ctx, req, () -> {
            Optional<PlaybackMp4> built;
            try {
                built = build(camera.get(), from, to, format.equals("fmp4"));
            } catch (IOException | SQLException | IndexException e) {
                log.warn("Web playback of {} from {} to {}: {}", id, from, to, e.toString());
                sender.error(ctx, req, HttpResponseStatus.SERVICE_UNAVAILABLE, "the footage cannot be read; see the recorder's log");
                return;
            }
            if (built.isEmpty()) {
                sender.error(ctx, req, HttpResponseStatus.NOT_FOUND, "no footage of " + id + " in that range");
                return;
            }
            PlaybackMp4 video = built.get();
            if (!mp4) {
                sender.json(ctx, req, HttpResponseStatus.OK, describe(id, from, to, video));
                return;
            }
            String range = req.headers().get(HttpHeaderNames.RANGE);
            if (!req.head() && (range == null || range.replace(" ", "").startsWith("bytes=0-"))) {
                audit.record("playback", req, camera.get(), from, to, null, null, null,
                        video.frames() + " frames, " + video.pieces().size() + " piece(s)");
            }
            sender.body(ctx, req, "video/mp4", new BodySender.Body() {
                @Override
                public long length() {
                    return video.length();
                }

                @Override
                public void read(long position, ByteBuffer dst) throws IOException {
                    video.read(position, dst);
                }
            }, video.etag(), h -> h.set("X-Nvr-Start", JsonText.iso(video.pieces().get(0).wallStart(), zone)));
        });
    }

    /** What a playback MP4 of the range holds. */
    Optional<PlaybackMp4> build(CameraConfig camera, Instant from, Instant to, boolean fragmented)
            throws IOException, SQLException, IndexException {
        List<SegmentRow> rows;
        try (FootageQueries q = FootageQueries.open(config.storage().indexPath())) {
            rows = q.segments(camera.id(), from, to);
        }
        List<PlaybackMp4.Source> sources = new ArrayList<>();
        for (SegmentRow r : rows) {
            Path file = config.storage().root().resolve(r.path());
            if (!Files.isRegularFile(file)) {
                continue; // deleted since the query (retention): a gap
            }
            try {
                sources.add(new PlaybackMp4.Source(r.start(), cache.get(file), cache.audio(file)));
            } catch (IOException e) {
                if (r.state() != SegmentState.OPEN) {
                    throw e;
                }
                // a segment just opened: nothing readable written yet (its moov comes with the first picture)
            }
        }
        return PlaybackMp4.build(sources, from, to, fragmented);
    }

    private Map<String, Object> describe(String camera, Instant from, Instant to, PlaybackMp4 video) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("camera", camera);
        m.put("from", JsonText.iso(from, zone));
        m.put("to", JsonText.iso(to, zone));
        m.put("width", video.width());
        m.put("height", video.height());
        m.put("frames", video.frames());
        m.put("duration_s", video.seconds());
        m.put("bytes", video.length());
        m.put("edit_s", video.editSeconds());
        m.put("audio", video.audio());
        List<Map<String, Object>> pieces = new ArrayList<>();
        for (PlaybackMp4.Piece p : video.pieces()) {
            Map<String, Object> pm = new LinkedHashMap<>();
            pm.put("media_start_s", p.mediaStart());
            pm.put("start", JsonText.iso(p.wallStart(), zone));
            pm.put("start_ms", p.wallStart().toEpochMilli());
            pm.put("duration_s", p.seconds());
            pieces.add(pm);
        }
        m.put("pieces", pieces);
        return m;
    }

    /**
     * {@code GET /api/holds?camera=&from=&to=}: the camera's active evidence holds overlapping the range
     * (the timeline draws them), each as {@code POST /api/holds} answers it.
     */
    void holds(ChannelHandlerContext ctx, WebRequest req) {
        String id = req.param("camera").orElse("");
        Optional<CameraConfig> camera = config.camera(id);
        if (camera.isEmpty()) {
            sender.error(ctx, req, HttpResponseStatus.NOT_FOUND, "unknown camera \"" + id + "\"");
            return;
        }
        Instant from;
        Instant to;
        try {
            from = time(req, "from", clock.instant());
            to = time(req, "to", clock.instant());
        } catch (IllegalArgumentException e) {
            sender.error(ctx, req, HttpResponseStatus.BAD_REQUEST, e.getMessage());
            return;
        }
        sender.offload(ctx, req, () -> {
            List<Map<String, Object>> out = new ArrayList<>();
            try (java.sql.Connection c = org.nvr.index.IndexDatabase.openForQueries(config.storage().indexPath())) {
                for (org.nvr.index.LockRow h : org.nvr.index.EvidenceLog.activeHolds(c, id, from, to)) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("id", h.id());
                    m.put("site", h.site());
                    m.put("camera", h.camera());
                    m.put("from", JsonText.iso(h.from(), zone));
                    m.put("to", JsonText.iso(h.to(), zone));
                    m.put("reason", h.reason());
                    m.put("created_by", h.createdBy());
                    out.add(m);
                }
            } catch (SQLException | IndexException e) {
                log.warn("Web: the holds of {} cannot be read: {}", id, e.toString());
                sender.error(ctx, req, HttpResponseStatus.SERVICE_UNAVAILABLE, "the index cannot be read; see the recorder's log");
                return;
            }
            sender.json(ctx, req, HttpResponseStatus.OK, out);
        });
    }

    /** {@code /snapshot/{camera}.jpg?at=}: the picture at that moment, at the camera's resolution. */
    void snapshot(ChannelHandlerContext ctx, WebRequest req) {
        String name = req.path().substring("/snapshot/".length());
        if (!name.endsWith(".jpg")) {
            sender.error(ctx, req, HttpResponseStatus.NOT_FOUND, "not found");
            return;
        }
        String id = name.substring(0, name.length() - ".jpg".length());
        Optional<CameraConfig> camera = config.camera(id);
        if (camera.isEmpty()) {
            sender.error(ctx, req, HttpResponseStatus.NOT_FOUND, "unknown camera \"" + id + "\"");
            return;
        }
        Instant moment;
        try {
            moment = time(req, "at", clock.instant());
        } catch (IllegalArgumentException e) {
            sender.error(ctx, req, HttpResponseStatus.BAD_REQUEST, e.getMessage());
            return;
        }
        sender.offload(ctx, req, () -> snapshot(ctx, req, camera.get(), moment));
    }

    /**
     * The picture on screen at {@code moment}: from the segment holding it, as the CLI's snapshot; when
     * that segment is being written and has no complete fragment yet (it just started: {@code at=now}
     * at a segment's first second), the last picture of the segment before it, if that is at most
     * {@link #OPEN_SEGMENT_LAG} older than the moment.
     */
    private void snapshot(ChannelHandlerContext ctx, WebRequest req, CameraConfig camera, Instant moment) {
        List<SegmentRow> rows;
        try (FootageQueries q = FootageQueries.open(config.storage().indexPath())) {
            rows = new ArrayList<>(q.segments(camera.id(), moment.minus(OPEN_SEGMENT_LAG), moment.plusMillis(1)).stream()
                    .filter(s -> !s.start().isAfter(moment)).toList());
        } catch (SQLException | IndexException e) {
            log.warn("Web snapshot of {}: the index cannot be read: {}", camera.id(), e.toString());
            sender.error(ctx, req, HttpResponseStatus.SERVICE_UNAVAILABLE, "the index cannot be read; see the recorder's log");
            return;
        }
        java.util.Collections.reverse(rows); // newest first
        if (rows.isEmpty() || (rows.get(0).end() != null && !rows.get(0).end().isAfter(moment))) {
            sender.error(ctx, req, HttpResponseStatus.NOT_FOUND, "no picture of " + camera.id() + " at that moment");
            return;
        }
        String reason = req.param("reason").orElse(null);
        try {
            Files.createDirectories(exports);
            for (int k = 0; k < rows.size() && k < 2; k++) {
                SegmentRow s = rows.get(k);
                boolean holding = k == 0;
                Path file = config.storage().root().resolve(s.path());
                if (s.state() == SegmentState.CLOSED) {
                    String actual = Files.isRegularFile(file) ? SegmentFinisher.sha256(file) : null;
                    if (actual == null || !actual.equalsIgnoreCase(s.sha256())) {
                        audit.record("snapshot", req, camera, moment, moment, reason, null, null,
                                "refused: " + file + " does not match the index");
                        sender.error(ctx, req, HttpResponseStatus.CONFLICT, "the segment does not match the index");
                        return;
                    }
                }
                Instant at = holding ? moment : s.end().minusMillis(1);
                Path out = exports.resolve(".snapshot-" + camera.id() + "-" + moment.toEpochMilli() + "-"
                        + Thread.currentThread().getId() + ".jpg");
                byte[] jpeg;
                SnapshotWriter.Result result;
                try (OutputFile claimed = OutputFile.claim(out, config.storage().root(), true)) {
                    result = SnapshotWriter.write(file, s.start(), at, claimed);
                    jpeg = Files.readAllBytes(claimed.temp(claimed.file()));
                } catch (IOException e) {
                    if (holding && s.state() == SegmentState.OPEN && rows.size() > 1) {
                        continue; // nothing readable written yet: the picture before it
                    }
                    throw e;
                }
                if ((s.state() == SegmentState.OPEN || !holding)
                        && Duration.between(result.pictureTime(), moment).compareTo(OPEN_SEGMENT_LAG) > 0) {
                    break;
                }
                String sha = java.util.HexFormat.of().formatHex(
                        java.security.MessageDigest.getInstance("SHA-256").digest(jpeg));
                audit.record("snapshot", req, camera, moment, moment, reason, null, sha, "picture of "
                        + result.pictureTime() + ", " + result.width() + "x" + result.height() + " from " + s.path()
                        + (s.state() == SegmentState.OPEN ? " (being written, not hashed yet)" : ""));
                sender.bytes(ctx, req, HttpResponseStatus.OK, "image/jpeg", jpeg, h -> {
                    h.set("X-Nvr-Picture-Time", JsonText.iso(result.pictureTime(), zone));
                    h.set(HttpHeaderNames.CONTENT_DISPOSITION, "inline; filename=\"" + camera.id() + "-"
                            + result.pictureTime().toEpochMilli() + ".jpg\"");
                });
                return;
            }
            sender.error(ctx, req, HttpResponseStatus.NOT_FOUND, "no picture of " + camera.id()
                    + " at that moment yet (recording)");
        } catch (IOException | OutputFile.RefusedException | java.security.NoSuchAlgorithmException e) {
            log.warn("Web snapshot of {} at {}: {}", camera.id(), moment, e.toString());
            sender.error(ctx, req, HttpResponseStatus.SERVICE_UNAVAILABLE, "the snapshot failed; see the recorder's log");
        }
    }

    private Instant time(WebRequest req, String name, Instant now) {
        String text = req.param(name).orElseThrow(() -> new IllegalArgumentException("missing parameter '" + name + "'"));
        try {
            return TimeArg.parse(text, Clock.fixed(now, zone), zone);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(name + ": " + e.getMessage());
        }
    }
}
