package org.nvr.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.nvr.config.CameraConfig;
import org.nvr.config.NvrConfig;
import org.nvr.footage.FootageGaps;
import org.nvr.footage.Gap;
import org.nvr.footage.OutputFile;
import org.nvr.footage.SnapshotWriter;
import org.nvr.index.AuditEntry;
import org.nvr.index.EvidenceLog;
import org.nvr.index.SegmentRow;
import org.nvr.index.SegmentState;
import org.nvr.store.SegmentFinisher;
import org.nvr.store.SegmentLedger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code footage snapshot}: the picture on screen at a moment, as a JPEG at the camera's resolution,
 * decoded from the keyframe before it. A closed source segment is checked against its hash in the index
 * first; one still being written is read up to its last complete fragment. The snapshot is recorded in
 * the audit log with its SHA-256.
 */
@Command(name = "snapshot", mixinStandardHelpOptions = true, description = "The picture at a moment, as a JPEG.")
final class FootageSnapshotCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Mixin
    CameraOption camera;

    @Option(names = "--at", required = true, paramLabel = "T", description = "the moment")
    String at;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT.jpg", description = "the file to write")
    Path output;

    @Option(names = "--reason", paramLabel = "TEXT", description = "why, kept in the audit log")
    String reason;

    @Option(names = "--overwrite", description = "replace OUT.jpg if it exists")
    boolean overwrite;

    @Option(names = "--allow-mismatch", description = "use a source whose SHA-256 no longer matches the index")
    boolean allowMismatch;

    @Spec
    CommandSpec spec;

    /**
     * How far the picture from a segment still being written may lie before the moment: the fragment in
     * progress (at most {@link SegmentLedger#FRAGMENT_MICROS}, 2 s by contract) and the recorder's
     * latency; further back, the segment does not reach the moment.
     */
    static final Duration OPEN_SEGMENT_LAG = Duration.ofSeconds(5);

    @Override
    public Integer call() throws InterruptedException {
        Texts t = Texts.current();
        NvrConfig cfg = config.load();
        CameraConfig cam = camera.resolve(config);
        ZoneId zone = ZoneId.systemDefault();
        Clock clock = Clock.systemUTC();
        Instant moment = RangeOptions.parse("--at", at, clock, zone);
        try (OutputFile claimed = OutputClaim.claim(t, output, cfg, overwrite);
             IndexAccess index = IndexAccess.open(cfg)) {
            Path out = claimed.file();
            Optional<SegmentRow> seg = index.queries().segments(cam.id(), moment, moment.plusMillis(1)).stream()
                    .filter(s -> !s.start().isAfter(moment) && (s.end() == null || s.end().isAfter(moment)))
                    .findFirst();
            if (seg.isEmpty()) {
                List<Gap> gaps = FootageGaps.find(index.connection(), cam.id(), moment, moment.plusMillis(1),
                        clock.instant().plusMillis(1));
                String why = gaps.isEmpty() ? "" : " (" + t.label("reason", gaps.get(0).reason()) + ")";
                throw new UserError(Main.NO_FOOTAGE, t.get("error.noPicture", cam.id(), t.time(moment, zone)) + why);
            }
            SegmentRow s = seg.get();
            Path file = cfg.storage().root().resolve(s.path());
            SnapshotWriter.Result result;
            String sha;
            try {
                if (s.state() == SegmentState.CLOSED) {
                    String actual = Files.isRegularFile(file) ? SegmentFinisher.sha256(file) : null;
                    if (actual == null || !actual.equalsIgnoreCase(s.sha256())) {
                        if (!allowMismatch || actual == null) {
                            audit(index, cam, moment, null, null, "refused: " + file + " does not match the index");
                            throw UserError.failed(t.get("error.mismatch", file, s.sha256(),
                                    actual == null ? t.get("missing") : actual));
                        }
                    }
                }
                result = SnapshotWriter.write(file, s.start(), moment, claimed);
                if (s.state() == SegmentState.OPEN
                        && Duration.between(result.pictureTime(), moment).compareTo(OPEN_SEGMENT_LAG) > 0) {
                    // the segment being written does not reach the moment yet (or no longer grows)
                    throw new UserError(Main.NO_FOOTAGE, t.get("error.noPicture", cam.id(), t.time(moment, zone))
                            + " (" + t.label("reason", "recording") + ")");
                }
                sha = SegmentFinisher.sha256(claimed.temp(out));
                claimed.publish();
            } catch (IOException | OutputFile.RefusedException e) {
                throw UserError.failed(t.get("error.snapshot", out, e.getMessage()));
            }
            audit(index, cam, moment, out.toString(), sha, "picture of " + result.pictureTime() + ", "
                    + result.width() + "x" + result.height() + " from " + s.path()
                    + (s.state() == SegmentState.OPEN ? " (being written, not hashed yet)" : ""));
            PrintWriter o = spec.commandLine().getOut();
            o.println(t.get("snapshot.done", out, t.time(result.pictureTime(), zone)
                    + String.format(".%03d", result.pictureTime().toEpochMilli() % 1000), result.width(),
                    result.height(), Duration.between(result.pictureTime(), moment).toMillis()));
            o.println("sha256 " + sha);
            o.flush();
            return Main.OK;
        } catch (SQLException e) {
            throw IndexAccess.failed(e);
        }
    }

    private void audit(IndexAccess index, CameraConfig cam, Instant moment, String out, String sha, String detail)
            throws InterruptedException {
        Instant now = Instant.now();
        if (!index.writable()) {
            // a read-only copy of the disk can still be looked at; say that this look is not on record
            spec.commandLine().getErr().println("nvr: " + Texts.current().get("snapshot.notAudited",
                    index.path()));
            return;
        }
        index.write(c -> EvidenceLog.audit(c, new AuditEntry(null, now, OsUser.name(), "snapshot", cam.siteId(),
                cam.id(), moment, moment, reason, out, sha, detail)));
    }
}
