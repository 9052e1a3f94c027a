package org.nvr.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.nvr.config.CameraConfig;
import org.nvr.footage.ExportManifest;
import org.nvr.footage.FootageExporter;
import org.nvr.footage.FootageGaps;
import org.nvr.footage.Gap;
import org.nvr.footage.OutputFile;
import org.nvr.footage.SegmentMismatchException;
import org.nvr.index.AuditEntry;
import org.nvr.index.EvidenceLog;
import org.nvr.index.LockRow;
import org.nvr.index.SegmentRow;
import org.nvr.index.SegmentState;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code footage export}: one MP4 of a range plus its manifest, checked against the hashes in the index,
 * recorded in the audit log; optionally holds the source footage first. The work is
 * {@link FootageExporter}'s; this class checks the request, reports gaps and writes the audit line.
 */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = "One MP4 of the range (moov first, audio kept) plus OUT.mp4.json with SHA-256 of it and its sources.")
final class FootageExportCommand implements Callable<Integer> {
    @Mixin
    CameraRangeOptions target;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT.mp4", description = "the file to write")
    Path output;

    @Option(names = "--lock", description = "also hold the source footage (evidence hold) before exporting")
    boolean lock;

    @Option(names = "--reason", paramLabel = "TEXT", description = "why (case number...), kept in the audit log")
    String reason;

    @Option(names = "--overwrite", description = "replace OUT.mp4 if it exists")
    boolean overwrite;

    @Option(names = "--allow-mismatch",
            description = "export sources whose SHA-256 no longer matches the index, flagged in the manifest")
    boolean allowMismatch;

    @Option(names = "--no-progress", description = "no progress bar, even on a terminal")
    boolean noProgress;

    @Option(names = "--json", description = "print the manifest on stdout")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        Texts t = Texts.current();
        CameraRange q = target.resolve();
        CameraConfig cam = q.camera();
        ZoneId zone = q.zone();
        PrintWriter err = spec.commandLine().getErr();
        try (OutputFile claimed = OutputClaim.claim(t, output, q.config(), overwrite, ExportManifest.SUFFIX);
             IndexAccess index = IndexAccess.open(q.config())) {
            Path out = claimed.file();
            Instant now = q.clock().instant();
            List<SegmentRow> all = index.queries().segments(cam.id(), q.from(), q.to());
            List<SegmentRow> closed = all.stream().filter(s -> s.state() == SegmentState.CLOSED).toList();
            if (closed.isEmpty()) {
                throw new UserError(Main.NO_FOOTAGE, t.get(all.isEmpty() ? "error.noFootage" : "error.stillRecording",
                        cam.id(), t.time(q.from(), zone), t.time(q.to(), zone)));
            }
            List<Gap> gaps = gaps(index, closed, all, cam.id(), q.from(), q.to(), now);
            Long holdId = null;
            if (lock) {
                holdId = index.write(c -> {
                    LockRow hold = EvidenceLog.hold(c, cam.siteId(), cam.id(), q.from(), q.to(), reason, OsUser.name(),
                            now);
                    EvidenceLog.audit(c, new AuditEntry(null, now, OsUser.name(), "lock", cam.siteId(), cam.id(),
                            q.from(), q.to(), reason, null, null, "hold #" + hold.id() + " placed with an export"));
                    return hold.id();
                });
            }
            ProgressBar bar = new ProgressBar(err, !noProgress && ProgressBar.onTerminal());
            FootageExporter.Result result;
            try {
                result = new FootageExporter(q.config().storage().root(), allowMismatch, bar,
                        row -> index.queries().segmentAt(row.path()))
                        .export(closed, q.from(), q.to(), claimed);
                gaps = withLeftOut(gaps, result.gaps());
            } catch (SegmentMismatchException e) {
                bar.finish();
                audit(index, q, null, null, "refused: " + e.getMessage());
                throw UserError.failed(t.get("error.mismatch", e.file(), e.indexed(),
                        e.actual() == null ? t.get("missing") : e.actual()));
            } catch (IOException e) {
                bar.finish();
                audit(index, q, null, null, "failed: " + e.getMessage());
                throw UserError.failed(t.get("error.export", out, e.getMessage()));
            } finally {
                bar.finish();
            }
            Instant exportedAt = q.clock().instant();
            ExportManifest.Request req = new ExportManifest.Request(cam.id(), cam.siteId(), cam.name(),
                    cam.location().orElse(null), q.from(), q.to(), exportedAt, OsUser.name(), reason, holdId);
            Map<String, Object> manifest = ExportManifest.of(req, result, gaps, zone);
            Path manifestFile = claimed.companions().get(0);
            try {
                // The export and its manifest are published together, or neither is.
                claimed.write(manifestFile, ExportManifest.bytes(manifest));
                claimed.publish();
            } catch (IOException | OutputFile.RefusedException e) {
                audit(index, q, null, null, "failed: the manifest " + manifestFile + " could not be written ("
                        + e.getMessage() + "); nothing was kept");
                throw UserError.failed(t.get("error.manifest", out, e.getMessage()));
            }
            audit(index, q, out.toString(), result.sha256(), "exported " + result.sources().size()
                    + " segment(s), " + gaps.size() + " gap(s), showing " + result.start() + " to " + result.end()
                    + (result.warnings().isEmpty() ? "" : "; warnings: " + String.join("; ", result.warnings())));
            for (Gap g : gaps) {
                err.println("nvr: " + t.get("export.gap", t.time(g.start(), zone), t.time(g.end(), zone),
                        t.duration(g.length()), t.label("reason", g.reason())));
            }
            for (String w : result.warnings()) {
                err.println("nvr: " + w);
            }
            err.flush();
            PrintWriter stdout = spec.commandLine().getOut();
            if (json) {
                Output.json(stdout, manifest);
            } else {
                stdout.println(t.get("export.done", out, t.time(result.start(), zone), t.time(result.end(), zone),
                        t.duration(result.length()),
                        t.bytes(result.bytes()), result.sources().size(), gaps.size()));
                stdout.println("sha256 " + result.sha256());
                stdout.println(t.get("export.manifest", manifestFile));
                if (holdId != null) {
                    stdout.println(t.get("lock.placed.short", holdId));
                }
                stdout.flush();
            }
            return Main.OK;
        } catch (SQLException e) {
            throw IndexAccess.failed(e);
        }
    }

    /** The index's gaps and the sources the export left out, in time order. */
    static List<Gap> withLeftOut(List<Gap> gaps, List<Gap> leftOut) {
        List<Gap> all = new ArrayList<>(gaps);
        all.addAll(leftOut);
        all.sort(java.util.Comparator.comparing(Gap::start));
        return all;
    }

    /** Gaps in the closed footage; a hole an open segment fills is footage still being written. */
    static List<Gap> gaps(IndexAccess index, List<SegmentRow> closed, List<SegmentRow> all, String camera,
                          Instant from, Instant to, Instant now) throws SQLException {
        List<Gap> gaps = new ArrayList<>();
        for (Gap g : FootageGaps.find(closed, index.queries(), camera, from, to, now)) {
            boolean open = all.stream().anyMatch(s -> s.state() == SegmentState.OPEN && s.start().isBefore(g.end()));
            gaps.add(open ? new Gap(g.camera(), g.start(), g.end(), "recording", null) : g);
        }
        return gaps;
    }

    private void audit(IndexAccess index, CameraRange q, String out, String sha, String detail)
            throws InterruptedException {
        Instant now = Instant.now();
        CameraConfig cam = q.camera();
        if (!index.writable()) {
            // a read-only copy of the disk can still be exported; the manifest says what the audit line would
            spec.commandLine().getErr().println("nvr: " + Texts.current().get("export.notAudited",
                    q.config().storage().indexPath()));
            return;
        }
        index.write(c -> EvidenceLog.audit(c, new AuditEntry(null, now, OsUser.name(), "export", cam.siteId(), cam.id(),
                q.from(), q.to(), reason, out, sha, detail)));
    }
}
