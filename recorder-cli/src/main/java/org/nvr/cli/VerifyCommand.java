package org.nvr.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.nvr.config.NvrConfig;
import org.nvr.daemon.IndexDiskComparison;
import org.nvr.index.FootageQueries;
import org.nvr.index.EvidenceJournal;
import org.nvr.index.IndexException;
import org.nvr.index.IndexRecovery;
import org.nvr.index.SegmentRow;
import org.nvr.index.SegmentState;
import org.nvr.replication.RemoteVerification;
import org.nvr.store.SegmentFinisher;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Checks the index file ({@code PRAGMA quick_check}) and compares the index with the footage on disk: closed segments whose file is missing, segment files no
 * row describes, closed segments whose size or SHA-256 differs from what was recorded when they were
 * closed, anything in the footage tree that is not a segment file, and anything at the root that the
 * recorder does not keep there. Exit 1 when anything disagrees, 0 when all agrees.
 *
 * <p>Works while the daemon runs: segments being written or deleted are counted, not judged, and a
 * disagreement is re-checked against a fresh read of the index before it is reported, so a segment the
 * daemon created or deleted during the walk is not reported.
 */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = "Compare the index with the footage on disk (missing, stray, size or SHA-256 mismatch, "
                + "files the recorder cannot account for); exit 1 when they disagree.")
final class VerifyCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Option(names = "--quick", description = "compare sizes only, skip reading every file for its SHA-256")
    boolean quick;

    @Option(names = "--remote", description = "compare held footage and exports with the bucket of replication: "
            + "(size and sha256 metadata of each copied object) instead of the disk")
    boolean remote;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        NvrConfig cfg = config.load();
        if (remote) {
            return remote(cfg);
        }
        Path root = cfg.storage().root();
        PrintWriter out = spec.commandLine().getOut();
        Output fmt = new Output(ZoneId.systemDefault());
        List<String> problems = new ArrayList<>();
        int[] counts = new int[3]; // checked closed, open, deleting
        try {
            // The daemon runs quick_check only after an unclean stop; here it runs whenever asked.
            String corrupt = IndexRecovery.quickCheckOnly(cfg.storage().indexPath());
            if (corrupt != null) {
                problems.add("CORRUPT  " + cfg.storage().indexPath() + ": " + corrupt + "; stop the recorder and "
                        + "move the file aside: its next start rebuilds the index from the footage and "
                        + EvidenceJournal.NAME);
            }
        } catch (IndexException e) {
            throw UserError.failed(e.getMessage());
        }
        try (FootageQueries q = FootageQueries.open(cfg.storage().indexPath())) {
            IndexDiskComparison.compare(root, (after, limit) -> {
                try {
                    return q.segmentsAfterPath(after, limit);
                } catch (SQLException e) {
                    throw new IndexException("cannot read the index: " + e.getMessage(), e);
                }
            }, new IndexDiskComparison.Visitor() {
                @Override
                public void both(SegmentRow row, Path file) throws IOException {
                    switch (row.state()) {
                        case OPEN -> counts[1]++;
                        case DELETING -> counts[2]++;
                        case CLOSED -> {
                            counts[0]++;
                            long size = Files.size(file);
                            if (size != row.bytes()) {
                                problems.add("SIZE     " + file + ": indexed " + row.bytes() + " bytes, on disk " + size);
                            } else if (!quick && !SegmentFinisher.sha256(file).equals(row.sha256())) {
                                problems.add("SHA256   " + file + ": content differs from the SHA-256 taken when it was closed");
                            }
                        }
                    }
                }

                @Override
                public void rowOnly(SegmentRow row) throws IndexException {
                    if (row.state() == SegmentState.OPEN) {
                        counts[1]++; // being created (its row comes first), or left by a crash
                        return;
                    }
                    if (row.state() == SegmentState.DELETING) {
                        counts[2]++;
                        return;
                    }
                    Optional<SegmentRow> now = fresh(q, row.path());
                    if (now.isPresent() && now.get().state() == SegmentState.CLOSED
                            && !Files.exists(root.resolve(row.path()))) {
                        problems.add("MISSING  " + root.resolve(row.path()) + ": indexed (" + row.camera() + ", "
                                + fmt.table(row.start()) + " to " + fmt.table(row.end()) + ") but not on disk");
                    }
                }

                @Override
                public void fileOnly(String relativePath, Path file) throws IndexException {
                    if (fresh(q, relativePath).isEmpty() && Files.exists(file)) {
                        problems.add("STRAY    " + file + ": on disk but not indexed");
                    }
                }

                @Override
                public void unexpected(String relativePath, Path path) {
                    problems.add("UNKNOWN  " + path + ": in the footage tree but not a segment file in its layout");
                }
            });
            for (Path p : IndexDiskComparison.unexpectedAtRoot(root)) {
                problems.add("UNKNOWN  " + p + (IndexDiskComparison.isOldLayoutFootage(root, p)
                        ? ": footage in the layout before footage/; the recorder's next start moves it there"
                        : ": not something the recorder keeps in the storage root"));
            }
        } catch (IndexException | IOException e) {
            throw UserError.failed(e.getMessage());
        }
        problems.forEach(out::println);
        out.printf("verify: %d closed segment(s) checked (%s), %d being written, %d being deleted: %s%n", counts[0],
                quick ? "sizes" : "sizes and SHA-256", counts[1], counts[2],
                problems.isEmpty() ? "index and disk agree" : problems.size() + " disagreement(s)");
        out.flush();
        return problems.isEmpty() ? Main.OK : Main.FAILED;
    }

    /** {@code --remote}: held footage and exports against the bucket; exit 1 when they disagree. */
    private int remote(NvrConfig cfg) {
        if (cfg.replication().isEmpty()) {
            throw UserError.usage("--remote needs replication: in " + config.file);
        }
        RemoteVerification.Result r = IndexAccess.read(cfg, index -> RemoteVerification.run(cfg.replication().get(),
                index.connection()));
        PrintWriter out = spec.commandLine().getOut();
        r.problems().forEach(out::println);
        out.printf("verify --remote: %d copied object(s) checked against bucket %s (size and sha256), %d pending, "
                + "%d held segment(s) not queued: %s%n", r.checked(), cfg.replication().get().bucket(), r.pending(),
                r.notQueued(), r.problems().isEmpty() ? "bucket and index agree" : r.problems().size() + " disagreement(s)");
        out.flush();
        return r.problems().isEmpty() ? Main.OK : Main.FAILED;
    }

    private static Optional<SegmentRow> fresh(FootageQueries q, String path) throws IndexException {
        try {
            return q.segmentAt(path);
        } catch (SQLException e) {
            throw new IndexException("cannot read the index: " + e.getMessage(), e);
        }
    }
}
