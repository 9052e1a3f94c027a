package org.nvr.web.playback;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.nvr.config.CameraConfig;
import org.nvr.config.NvrConfig;
import org.nvr.footage.ExportManifest;
import org.nvr.footage.FootageExporter;
import org.nvr.footage.FootageGaps;
import org.nvr.footage.Gap;
import org.nvr.footage.JsonText;
import org.nvr.footage.OutputFile;
import org.nvr.footage.SegmentMismatchException;
import org.nvr.footage.TimeArg;
import org.nvr.index.AuditEntry;
import org.nvr.index.EvidenceLog;
import org.nvr.index.FootageQueries;
import org.nvr.index.IndexException;
import org.nvr.index.IndexWriter;
import org.nvr.index.LockRow;
import org.nvr.index.SegmentRow;
import org.nvr.index.SegmentState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exports from the page: {@code POST /api/export {camera, from, to, reason, lock}} runs the CLI's
 * {@link FootageExporter} (exact range, manifest with SHA-256, gaps listed) into the recorder's exports
 * directory (outside the storage root, as every export: {@link OutputFile} refuses the root), one name
 * per export ({@code <camera>_<from>_<to>_<exported at>.mp4}, UTC), audited with the web user's name and
 * address; the answer gives the export's and its manifest's download URLs, {@code GET
 * /api/exports/<name>} (audited as {@code download}).
 *
 * <p>Threads: exports and downloads run on the footage threads; an export waits for the index writer
 * when it holds the footage first.
 */
final class WebExports {
    private static final Logger log = LoggerFactory.getLogger(WebExports.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]*_[0-9TZ]+_[0-9TZ]+_[0-9]+\\.mp4(\\.json)?");
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);
    private static final long WRITE_TIMEOUT_SECONDS = 10;
    private static final int MAX_REASON_CHARS = 1000;

    private final NvrConfig config;
    private final IndexWriter writer;
    private final FootageAudit audit;
    private final BodySender sender;
    private final Clock clock;
    private final ZoneId zone;
    private final Path exports;

    WebExports(NvrConfig config, IndexWriter writer, FootageAudit audit, BodySender sender, Clock clock, ZoneId zone,
               Path exports) {
        this.config = config;
        this.writer = writer;
        this.audit = audit;
        this.sender = sender;
        this.clock = clock;
        this.zone = zone;
        this.exports = exports;
    }

    /** {@code POST /api/export}. */
    void export(ChannelHandlerContext ctx, WebRequest req) {
        JsonNode body;
        try {
            body = JSON.readTree(req.body());
        } catch (IOException e) {
            sender.error(ctx, req, HttpResponseStatus.BAD_REQUEST, "expected a JSON object {camera, from, to, reason, lock}");
            return;
        }
        if (body == null || !body.isObject()) {
            sender.error(ctx, req, HttpResponseStatus.BAD_REQUEST, "expected a JSON object {camera, from, to, reason, lock}");
            return;
        }
        String id = body.path("camera").asText("");
        if (id.isBlank()) {
            sender.error(ctx, req, HttpResponseStatus.BAD_REQUEST, "missing 'camera'");
            return;
        }
        Optional<CameraConfig> camera = config.camera(id);
        if (camera.isEmpty()) {
            sender.error(ctx, req, HttpResponseStatus.NOT_FOUND, "unknown camera \"" + id + "\"");
            return;
        }
        Instant now = clock.instant();
        Instant from;
        Instant to;
        try {
            from = TimeArg.parse(text(body, "from"), Clock.fixed(now, zone), zone);
            to = TimeArg.parse(text(body, "to"), Clock.fixed(now, zone), zone);
        } catch (IllegalArgumentException e) {
            sender.error(ctx, req, HttpResponseStatus.BAD_REQUEST, e.getMessage());
            return;
        }
        if (!to.isAfter(from)) {
            sender.error(ctx, req, HttpResponseStatus.BAD_REQUEST, "'to' must be after 'from'");
            return;
        }
        String reason = body.path("reason").asText("").strip();
        if (reason.length() > MAX_REASON_CHARS) {
            sender.error(ctx, req, HttpResponseStatus.BAD_REQUEST, "reason: at most " + MAX_REASON_CHARS + " characters");
            return;
        }
        boolean lock = body.path("lock").asBoolean(false);
        sender.offload(ctx, req, () -> run(ctx, req, camera.get(), from, to, reason.isEmpty() ? null : reason, lock));
    }

    private static String text(JsonNode body, String field) {
        String v = body.path(field).asText("");
        if (v.isBlank()) {
            throw new IllegalArgumentException("missing '" + field + "'");
        }
        return v;
    }

    private void run(ChannelHandlerContext ctx, WebRequest req, CameraConfig cam, Instant from, Instant to,
                     String reason, boolean lock) {
        Instant now = clock.instant();
        String name = cam.id() + "_" + STAMP.format(from) + "_" + STAMP.format(to) + "_" + now.toEpochMilli() + ".mp4";
        try (FootageQueries q = FootageQueries.open(config.storage().indexPath())) {
            List<SegmentRow> all = q.segments(cam.id(), from, to);
            List<SegmentRow> closed = all.stream().filter(s -> s.state() == SegmentState.CLOSED).toList();
            if (closed.isEmpty()) {
                sender.error(ctx, req, HttpResponseStatus.NOT_FOUND, all.isEmpty()
                        ? "no footage of " + cam.id() + " in that range"
                        : "the footage of that range is still being written; export it once its segment closes");
                return;
            }
            List<Gap> gaps = gaps(q, closed, all, cam.id(), from, to, now);
            Long holdId = null;
            if (lock) {
                holdId = writer.submit(c -> {
                    LockRow hold = EvidenceLog.hold(c, cam.siteId(), cam.id(), from, to, reason, req.user(), now);
                    EvidenceLog.audit(c, new AuditEntry(null, now, req.user(), "lock", cam.siteId(), cam.id(), from, to,
                            reason, null, null, req.where() + "; hold #" + hold.id() + " placed with an export"));
                    return hold.id();
                }).get(WRITE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            }
            Files.createDirectories(exports);
            Path out = exports.resolve(name);
            FootageExporter.Result result;
            Map<String, Object> manifest;
            try (OutputFile claimed = OutputFile.claim(out, config.storage().root(), false, ExportManifest.SUFFIX)) {
                try {
                    result = new FootageExporter(config.storage().root(), false, null, row -> q.segmentAt(row.path()))
                            .export(closed, from, to, claimed);
                } catch (SegmentMismatchException e) {
                    audit.record("export", req, cam, from, to, reason, null, null, "refused: " + e.getMessage());
                    sender.error(ctx, req, HttpResponseStatus.CONFLICT, "refused: a source segment does not match "
                            + "the index (" + e.file() + "); see nvr verify");
                    return;
                }
                List<Gap> all2 = new ArrayList<>(gaps);
                all2.addAll(result.gaps());
                all2.sort(java.util.Comparator.comparing(Gap::start));
                ExportManifest.Request mreq = new ExportManifest.Request(cam.id(), cam.siteId(), cam.name(),
                        cam.location().orElse(null), from, to, clock.instant(), req.user(), reason, holdId);
                manifest = ExportManifest.of(mreq, result, all2, zone);
                claimed.write(claimed.companions().get(0), ExportManifest.bytes(manifest));
                claimed.publish();
                gaps = all2;
            }
            audit.record("export", req, cam, from, to, reason, out.toString(), result.sha256(), "exported "
                    + result.sources().size() + " segment(s), " + gaps.size() + " gap(s), showing " + result.start()
                    + " to " + result.end());
            Map<String, Object> answer = new LinkedHashMap<>();
            answer.put("name", name);
            answer.put("url", "/api/exports/" + name);
            answer.put("manifest_url", "/api/exports/" + name + ExportManifest.SUFFIX);
            answer.put("sha256", result.sha256());
            answer.put("bytes", result.bytes());
            answer.put("start", JsonText.iso(result.start(), zone));
            answer.put("end", JsonText.iso(result.end(), zone));
            answer.put("hold_id", holdId);
            answer.put("manifest", manifest);
            sender.json(ctx, req, HttpResponseStatus.CREATED, answer);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            sender.error(ctx, req, HttpResponseStatus.SERVICE_UNAVAILABLE, "stopping");
        } catch (IOException | SQLException | IndexException | OutputFile.RefusedException
                 | java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            log.warn("Web export of {} from {} to {} by {}: {}", cam.id(), from, to, req.user(), e.toString());
            audit.record("export", req, cam, from, to, reason, null, null, "failed: " + e.getMessage());
            sender.error(ctx, req, HttpResponseStatus.SERVICE_UNAVAILABLE, "the export failed; see the recorder's log");
        }
    }

    /** Gaps in the closed footage; a hole an open segment fills is footage still being written (as the CLI). */
    private static List<Gap> gaps(FootageQueries q, List<SegmentRow> closed, List<SegmentRow> all, String camera,
                                  Instant from, Instant to, Instant now) throws SQLException {
        List<Gap> gaps = new ArrayList<>();
        for (Gap g : FootageGaps.find(closed, q, camera, from, to, now)) {
            boolean open = all.stream().anyMatch(s -> s.state() == SegmentState.OPEN && s.start().isBefore(g.end()));
            gaps.add(open ? new Gap(g.camera(), g.start(), g.end(), "recording", null) : g);
        }
        return gaps;
    }

    /** {@code GET /api/exports/<name>}: an export or its manifest, with byte ranges. */
    void download(ChannelHandlerContext ctx, WebRequest req) {
        String name = req.path().substring("/api/exports/".length());
        if (!NAME.matcher(name).matches()) {
            sender.error(ctx, req, HttpResponseStatus.NOT_FOUND, "no export \"" + name + "\"");
            return;
        }
        Path file = exports.resolve(name);
        sender.offload(ctx, req, () -> {
            long length;
            try {
                length = Files.size(file);
            } catch (IOException e) {
                sender.error(ctx, req, HttpResponseStatus.NOT_FOUND, "no export \"" + name + "\"");
                return;
            }
            String range = req.headers().get(HttpHeaderNames.RANGE);
            if (!req.head() && (range == null || range.replace(" ", "").startsWith("bytes=0-"))) {
                audit.record("download", req, null, null, null, null, file.toString(), null, null);
            }
            boolean manifest = name.endsWith(".json");
            String etag = "\"" + Long.toHexString(length) + "-" + name.hashCode() + "\"";
            sender.body(ctx, req, manifest ? "application/json" : "video/mp4", new BodySender.Body() {
                @Override
                public long length() {
                    return length;
                }

                @Override
                public void read(long position, ByteBuffer dst) throws IOException {
                    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                        long p = position;
                        while (dst.hasRemaining()) {
                            int r = ch.read(dst, p);
                            if (r < 0) {
                                throw new IOException(file + " shrank");
                            }
                            p += r;
                        }
                    }
                }
            }, etag, h -> h.set(HttpHeaderNames.CONTENT_DISPOSITION, "attachment; filename=\"" + name + "\""));
        });
    }
}
