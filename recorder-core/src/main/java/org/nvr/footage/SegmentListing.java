package org.nvr.footage;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nvr.index.EvidenceLog;
import org.nvr.index.FootageQueries;
import org.nvr.index.LockRow;
import org.nvr.index.SegmentRow;

/**
 * The segments of one camera overlapping a range, and the evidence holds that may keep them:
 * {@code nvr footage list} and {@code GET /api/footage}. Immutable.
 */
public record SegmentListing(List<SegmentRow> rows, List<LockRow> holds) {
    public SegmentListing {
        rows = List.copyOf(rows);
        holds = List.copyOf(holds);
    }

    /** Reads both over the caller's (read-only) connection. */
    public static SegmentListing read(Connection index, String camera, Instant from, Instant to) throws SQLException {
        List<SegmentRow> rows = FootageQueries.over(index).segments(camera, from, to);
        List<LockRow> holds = EvidenceLog.activeHolds(index, camera, from.minus(FootageQueries.MAX_SEGMENT),
                to.plus(FootageQueries.MAX_SEGMENT));
        return new SegmentListing(rows, holds);
    }

    /** Whether an active hold keeps {@code s}. */
    public boolean locked(SegmentRow s) {
        return EvidenceLog.held(holds, s.camera(), s.start(), s.end());
    }

    /** One map per segment, keys as the contract's JSON names them; paths absolute under {@code root}. */
    public List<Map<String, Object>> json(Path root, ZoneId zone) {
        List<Map<String, Object>> list = new ArrayList<>();
        for (SegmentRow s : rows) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("camera", s.camera());
            m.put("site", s.site());
            m.put("start", JsonText.iso(s.start(), zone));
            m.put("end", JsonText.iso(s.end(), zone));
            m.put("duration_s", JsonText.seconds(s.duration()));
            m.put("bytes", s.bytes());
            m.put("path", root.resolve(s.path()).toString());
            m.put("locked", locked(s));
            m.put("state", s.state().sql());
            m.put("video_codec", s.videoCodec());
            m.put("width", s.width());
            m.put("height", s.height());
            m.put("audio_codec", s.audioCodec());
            m.put("sha256", s.sha256());
            list.add(m);
        }
        return list;
    }
}
