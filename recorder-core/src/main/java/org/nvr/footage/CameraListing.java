package org.nvr.footage;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.nvr.config.CameraConfig;
import org.nvr.config.NvrConfig;
import org.nvr.index.CameraSourceRow;
import org.nvr.index.CameraStateRow;
import org.nvr.index.FootageQueries;
import org.nvr.media.BrowserCodecs;

/**
 * Each configured camera with the state the daemon last published, its newest footage, failure reason,
 * location and contact: {@code nvr cameras --json} and {@code GET /api/cameras}. Stateless; any thread,
 * over the caller's (read-only) connection.
 */
public final class CameraListing {
    private CameraListing() {
    }

    /** One map per camera, in configuration order, keys as the contract's JSON names them. */
    public static List<Map<String, Object>> read(Connection index, NvrConfig cfg, ZoneId zone) throws SQLException {
        List<Map<String, Object>> cams = new ArrayList<>();
        FootageQueries q = FootageQueries.over(index);
        Map<String, CameraStateRow> states = q.cameraStates().stream()
                .collect(Collectors.toMap(CameraStateRow::camera, Function.identity()));
        Map<String, CameraSourceRow> sources = q.cameraSources();
        Map<String, String> siteNames = new java.util.HashMap<>();
        cfg.sites().forEach(site -> siteNames.put(site.id(), site.name() == null ? site.id() : site.name()));
        for (CameraConfig c : cfg.cameras().toList()) {
            CameraStateRow s = states.get(c.id());
            Instant last = q.lastFootageEnd(c.id()).orElse(null);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("site", c.siteId());
            m.put("site_name", siteNames.getOrDefault(c.siteId(), c.siteId()));
            m.put("camera", c.id());
            m.put("name", c.name());
            m.put("state", s == null ? "unknown" : s.state());
            m.put("since", s == null ? null : JsonText.iso(s.since(), zone));
            m.put("last_footage_end", JsonText.iso(last, zone));
            m.put("reason", s == null ? null : s.reason());
            String codec = q.lastVideoCodec(c.id()).orElse(null);
            m.put("video_codec", codec);
            m.put("browser_playable", BrowserCodecs.playable(codec));
            m.put("warning", BrowserCodecs.warning(codec));
            m.put("detail", s == null ? null : s.detail());
            m.put("location", c.location().orElse(null));
            m.put("contact", c.contact().orElse(null));
            m.put("url", c.redactedUrl());
            // the daemon's word when it has said how it records the camera, else the config's
            CameraSourceRow source = sources.get(c.id());
            m.put("source", source != null ? source.source() : c.source().label());
            m.put("source_fallback", source != null ? source.fallback() : null);
            cams.add(m);
        }
        return cams;
    }
}
