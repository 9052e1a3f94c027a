package org.nvr.web;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetAddress;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.Optional;
import org.nvr.config.CameraConfig;
import org.nvr.config.NvrConfig;
import org.nvr.config.SiteConfig;
import org.nvr.footage.AuditListing;
import org.nvr.footage.CameraListing;
import org.nvr.footage.ExportManifest;
import org.nvr.footage.FootageGaps;
import org.nvr.footage.Gap;
import org.nvr.footage.Holds;
import org.nvr.footage.JsonText;
import org.nvr.footage.SegmentListing;
import org.nvr.footage.TimeArg;
import org.nvr.footage.UptimeReport;
import org.nvr.index.IndexDatabase;
import org.nvr.index.IndexException;
import org.nvr.index.IndexWriter;
import org.nvr.index.LockRow;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The read-only JSON API over the index, the same JSON as the CLI's {@code --json} (both build it with
 * {@code org.nvr.footage}): {@code GET /api/cameras}, {@code GET /api/footage?camera=&from=&to=},
 * {@code GET /api/uptime?site=&from=&to=}, {@code GET /api/audit?camera=&from=&to=}; and {@code POST /api/holds}, written through the
 * recorder's own index writer. Each request reads over its own read-only connection (WAL: never
 * blocks the recorder's writer). Times as {@link TimeArg} reads them.
 *
 * <p>Threads: {@link #answer} blocks (SQLite) and runs on the web server's API threads, never on the
 * event loop. Stateless apart from the configuration.
 */
final class WebApi {
    /** An answer: a status and a JSON body. */
    record Reply(HttpResponseStatus status, String json) {
        static Reply error(HttpResponseStatus status, String message) {
            return new Reply(status, JsonText.write(Map.of("error", message)));
        }
    }

    /** A request the API refuses, with the status and message to send. */
    private static final class Refused extends Exception {
        final HttpResponseStatus status;

        Refused(HttpResponseStatus status, String message) {
            super(message, null, false, false);
            this.status = status;
        }
    }

    private static final Logger log = LoggerFactory.getLogger(WebApi.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** How long a hold may wait for the index writer (it queues behind the recorder's own writes). */
    private static final long WRITE_TIMEOUT_SECONDS = 10;
    private static final int MAX_REASON_CHARS = 1000;

    private final NvrConfig config;
    private final IndexWriter writer;
    private final Clock clock;
    private final ZoneId zone;

    WebApi(NvrConfig config, IndexWriter writer, Clock clock, ZoneId zone) {
        this.config = config;
        this.writer = writer;
        this.clock = clock;
        this.zone = zone;
    }

    /**
     * {@code POST /api/holds} with {@code {camera, from, to, reason}}: an evidence hold placed by
     * {@code user} through the same code as {@code nvr footage lock}, audited with the client address.
     * 201 with the hold.
     */
    Reply placeHold(String body, String user, InetAddress client) {
        try {
            JsonNode json;
            try {
                json = JSON.readTree(body);
            } catch (IOException e) {
                throw new Refused(HttpResponseStatus.BAD_REQUEST, "expected a JSON object {camera, from, to, reason}");
            }
            if (json == null || !json.isObject()) {
                throw new Refused(HttpResponseStatus.BAD_REQUEST, "expected a JSON object {camera, from, to, reason}");
            }
            Map<String, List<String>> fields = new java.util.HashMap<>();
            for (String name : List.of("camera", "from", "to", "reason")) {
                JsonNode v = json.get(name);
                if (v != null && v.isTextual()) {
                    fields.put(name, List.of(v.asText()));
                }
            }
            CameraConfig camera = camera(fields);
            Instant[] range = range(fields);
            String reason = param(fields, "reason").orElseThrow(() -> missing("reason"));
            if (reason.length() > MAX_REASON_CHARS) {
                throw new Refused(HttpResponseStatus.BAD_REQUEST, "reason: at most " + MAX_REASON_CHARS + " characters");
            }
            int segments = read(c -> SegmentListing.read(c, camera.id(), range[0], range[1]).rows().size());
            Instant now = range[2];
            LockRow hold;
            try {
                hold = writer.submit(c -> Holds.place(c, camera, range[0], range[1], reason, user, now, segments,
                        "web client " + client.getHostAddress())).get(WRITE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new Refused(HttpResponseStatus.SERVICE_UNAVAILABLE, "stopping");
            } catch (ExecutionException | TimeoutException e) {
                log.warn("Web API: a hold on {} by {} could not be written: {}", camera.id(), user, String.valueOf(e));
                throw new Refused(HttpResponseStatus.SERVICE_UNAVAILABLE, "the hold could not be written; see the recorder's log");
            }
            Map<String, Object> m = holdJson(hold);
            m.put("segments", segments);
            return new Reply(HttpResponseStatus.CREATED, JsonText.write(m));
        } catch (Refused e) {
            return Reply.error(e.status, e.getMessage());
        }
    }

    /**
     * {@code DELETE /api/holds/{id}?reason=}: releases that one hold (as {@code nvr footage unlock}
     * would, audited with the user and client address). 200 with the released hold, 404 when no such
     * active hold.
     */
    Reply releaseHold(String idText, Map<String, List<String>> query, String user, InetAddress client) {
        long id;
        try {
            id = Long.parseLong(idText);
        } catch (NumberFormatException e) {
            return Reply.error(HttpResponseStatus.NOT_FOUND, "no hold \"" + idText + "\"");
        }
        String reason = param(query, "reason").orElse(null);
        Instant now = clock.instant();
        Optional<LockRow> released;
        try {
            released = writer.submit(c -> Holds.release(c, id, reason, user, now,
                    "web client " + client.getHostAddress())).get(WRITE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Reply.error(HttpResponseStatus.SERVICE_UNAVAILABLE, "stopping");
        } catch (ExecutionException | TimeoutException e) {
            log.warn("Web API: releasing hold #{} by {} could not be written: {}", id, user, String.valueOf(e));
            return Reply.error(HttpResponseStatus.SERVICE_UNAVAILABLE, "the release could not be written; see the recorder's log");
        }
        if (released.isEmpty()) {
            return Reply.error(HttpResponseStatus.NOT_FOUND, "no active hold #" + id);
        }
        Map<String, Object> m = holdJson(released.get());
        m.put("released_by", released.get().releasedBy());
        m.put("released", JsonText.iso(released.get().released(), zone));
        return new Reply(HttpResponseStatus.OK, JsonText.write(m));
    }

    private Map<String, Object> holdJson(LockRow hold) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", hold.id());
            m.put("site", hold.site());
            m.put("camera", hold.camera());
            m.put("from", JsonText.iso(hold.from(), zone));
            m.put("to", JsonText.iso(hold.to(), zone));
            m.put("reason", hold.reason());
            m.put("created_by", hold.createdBy());
        return m;
    }

    /** The reply to a GET of {@code path} under {@code /api/}; null when no such route. */
    Reply answer(String path, QueryStringDecoder query) {
        try {
            return switch (path) {
                case "/api/cameras" -> ok(read(c -> CameraListing.read(c, config, zone)));
                case "/api/footage" -> footage(query.parameters());
                case "/api/gaps" -> gaps(query.parameters());
                case "/api/uptime" -> uptime(query.parameters());
                case "/api/audit" -> audit(query.parameters());
                default -> null;
            };
        } catch (Refused e) {
            return Reply.error(e.status, e.getMessage());
        }
    }

    private Reply footage(Map<String, List<String>> query) throws Refused {
        CameraConfig camera = camera(query);
        Instant[] range = range(query);
        SegmentListing listing = read(c -> SegmentListing.read(c, camera.id(), range[0], range[1]));
        return ok(listing.json(config.storage().root(), zone));
    }

    /** The spans without footage, with their reasons: {@code nvr footage gaps --json}. */
    private Reply gaps(Map<String, List<String>> query) throws Refused {
        CameraConfig camera = camera(query);
        Instant[] range = range(query);
        List<Gap> gaps = read(c -> FootageGaps.find(c, camera.id(), range[0], range[1], range[2]));
        List<Map<String, Object>> list = new java.util.ArrayList<>();
        gaps.forEach(g -> list.add(ExportManifest.gap(g, zone)));
        return ok(list);
    }

    /** {@code nvr footage audit --json}: optional {@code camera}, {@code from}, {@code to}. */
    private Reply audit(Map<String, List<String>> query) throws Refused {
        String camera = param(query, "camera").isPresent() ? camera(query).id() : null;
        Clock once = Clock.fixed(clock.instant(), zone);
        Instant from = param(query, "from").isPresent() ? time(query, "from", once) : Instant.EPOCH;
        Instant to = param(query, "to").isPresent() ? time(query, "to", once) : Instant.ofEpochMilli(Long.MAX_VALUE);
        return ok(read(c -> AuditListing.read(c, camera, from, to)).json(zone));
    }

    private Reply uptime(Map<String, List<String>> query) throws Refused {
        Optional<String> site = param(query, "site");
        List<SiteConfig> sites = site.isEmpty() ? config.sites() : List.of(config.site(site.get())
                .orElseThrow(() -> new Refused(HttpResponseStatus.NOT_FOUND, "unknown site \"" + site.get() + "\"")));
        Instant[] range = range(query);
        Instant now = range[2];
        UptimeReport report = read(c -> UptimeReport.read(c, sites, range[0], range[1], now));
        return ok(report.json(zone));
    }

    private CameraConfig camera(Map<String, List<String>> query) throws Refused {
        String id = param(query, "camera").orElseThrow(() -> missing("camera"));
        return config.camera(id).orElseThrow(() -> new Refused(HttpResponseStatus.NOT_FOUND,
                "unknown camera \"" + id + "\""));
    }

    /** {@code from}, {@code to} and the instant {@code now} and relative times were read against. */
    private Instant[] range(Map<String, List<String>> query) throws Refused {
        Instant now = clock.instant();
        Clock once = Clock.fixed(now, zone);
        Instant from = time(query, "from", once);
        Instant to = time(query, "to", once);
        if (!to.isAfter(from)) {
            throw new Refused(HttpResponseStatus.BAD_REQUEST, "'to' must be after 'from'");
        }
        return new Instant[] {from, to, now};
    }

    private Instant time(Map<String, List<String>> query, String name, Clock once) throws Refused {
        String text = param(query, name).orElseThrow(() -> missing(name));
        try {
            return TimeArg.parse(text, once, zone);
        } catch (IllegalArgumentException e) {
            throw new Refused(HttpResponseStatus.BAD_REQUEST, name + ": " + e.getMessage());
        }
    }

    private static Optional<String> param(Map<String, List<String>> query, String name) {
        List<String> values = query.get(name);
        return values == null || values.isEmpty() || values.get(0).isBlank()
                ? Optional.empty() : Optional.of(values.get(0));
    }

    private static Refused missing(String name) {
        return new Refused(HttpResponseStatus.BAD_REQUEST, "missing parameter '" + name + "'");
    }

    private static Reply ok(Object value) {
        return new Reply(HttpResponseStatus.OK, JsonText.write(value));
    }

    @FunctionalInterface
    private interface Read<T> {
        T from(Connection index) throws SQLException;
    }

    private <T> T read(Read<T> read) throws Refused {
        try (Connection c = IndexDatabase.openForQueries(config.storage().indexPath())) {
            return read.from(c);
        } catch (IndexException | SQLException e) {
            log.warn("Web API: the index cannot be read: {}", e.getMessage());
            throw new Refused(HttpResponseStatus.SERVICE_UNAVAILABLE, "the index cannot be read; see the recorder's log");
        }
    }
}
