package org.nvr.footage;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code OUT.mp4.json}: what an export holds and how to check it, in the contract's shape
 * ({@code camera, site, from, to, exported_at, sha256, segments: [{path, sha256, start, end}], gaps})
 * plus what an examiner needs besides: the exact span shown, the start rule, who exported, and per
 * source whether it still matched the hash stored in the index when it was exported. Times are
 * ISO-8601 with the offset of the zone given.
 *
 * <p>Stateless; thread-safe.
 */
public final class ExportManifest {
    /** The start rule, as written into every manifest. */
    public static final String START_RULE = "starts at the first picture at or after 'from', decoded from the"
            + " keyframe before it; the pictures before the start are hidden by an edit list (nothing is"
            + " re-encoded); ends at 'to' or where the footage ends; gaps are cut out of the timeline (listed"
            + " in 'gaps'), so the file lasts end - start minus the gaps";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** Who asked for the export and why (the parts of the manifest the exporter does not know). */
    public record Request(String camera, String site, String cameraName, String location, Instant from, Instant to,
                          Instant exportedAt, String exportedBy, String reason, Long holdId) {
    }

    private ExportManifest() {
    }

    public static Map<String, Object> of(Request req, FootageExporter.Result result, List<Gap> gaps, ZoneId zone) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("camera", req.camera());
        m.put("site", req.site());
        m.put("from", iso(req.from(), zone));
        m.put("to", iso(req.to(), zone));
        m.put("exported_at", iso(req.exportedAt(), zone));
        m.put("sha256", result.sha256());
        List<Map<String, Object>> segs = new ArrayList<>();
        for (FootageExporter.Source s : result.sources()) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("path", s.file().toAbsolutePath().toString());
            e.put("sha256", s.sha256());
            e.put("start", iso(s.row().start(), zone));
            e.put("end", iso(s.row().end(), zone));
            e.put("indexed_sha256", s.row().sha256());
            e.put("matches_index", s.matchesIndex());
            segs.add(e);
        }
        m.put("segments", segs);
        List<Map<String, Object>> gs = new ArrayList<>();
        for (Gap g : gaps) {
            gs.add(gap(g, zone));
        }
        m.put("gaps", gs);
        m.put("file", result.output().getFileName().toString());
        m.put("bytes", result.bytes());
        m.put("start", iso(result.start(), zone));
        m.put("end", iso(result.end(), zone));
        m.put("duration_s", result.length().toMillis() / 1000.0);
        m.put("audio", result.audio());
        m.put("start_rule", START_RULE);
        m.put("camera_name", req.cameraName());
        m.put("location", req.location());
        m.put("exported_by", req.exportedBy());
        m.put("reason", req.reason());
        m.put("hold_id", req.holdId());
        m.put("warnings", result.warnings());
        return m;
    }

    /** A gap as {@code footage gaps --json} and the manifest write it. */
    public static Map<String, Object> gap(Gap g, ZoneId zone) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("camera", g.camera());
        m.put("start", iso(g.start(), zone));
        m.put("end", iso(g.end(), zone));
        m.put("duration_s", g.length().toMillis() / 1000.0);
        m.put("reason", g.reason());
        m.put("detail", g.detail());
        return m;
    }

    /** The manifest's name next to an export: {@code OUT.mp4.json}. */
    public static final String SUFFIX = ".json";

    /** The manifest as written into {@code OUT.mp4.json} (published with the export by {@link OutputFile}). */
    public static byte[] bytes(Map<String, Object> manifest) throws IOException {
        return JSON.writeValueAsBytes(manifest);
    }

    static String iso(Instant t, ZoneId zone) {
        return t == null ? null : OffsetDateTime.ofInstant(t, zone).toString();
    }
}
