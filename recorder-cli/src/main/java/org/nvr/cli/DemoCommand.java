package org.nvr.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.nvr.config.AudioPolicy;
import org.nvr.config.CameraConfig;
import org.nvr.config.DurationText;
import org.nvr.config.MetricsConfig;
import org.nvr.config.NvrConfig;
import org.nvr.config.PasswordHash;
import org.nvr.config.Retention;
import org.nvr.config.SiteConfig;
import org.nvr.config.StorageConfig;
import org.nvr.config.Transport;
import org.nvr.config.WebConfig;
import org.nvr.daemon.Recorder;
import org.nvr.ffmpeg.FfmpegRuntime;
import org.nvr.index.FootageQueries;
import org.nvr.index.IndexException;
import org.nvr.index.SegmentRow;
import org.nvr.metrics.BasicAuth;
import org.nvr.sim.RtspCameraSimulator;
import org.nvr.sim.SyntheticClip;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Records simulated cameras with no set-up: a built-in RTSP camera simulator on loopback serves a clip
 * it encodes at start, and the real recorder records it exactly as it would record real cameras.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Record built-in simulated cameras (no set-up needed); Ctrl-C to stop.")
final class DemoCommand implements Callable<Integer> {
    /** The demo's web user (an admin, so that every page can be tried). */
    static final String DEMO_USER = "demo";

    @Option(names = "--cameras", defaultValue = "2", paramLabel = "N", description = "simulated cameras (default ${DEFAULT-VALUE})")
    int cameras;

    @Option(names = "--root", paramLabel = "DIR", description = "where footage goes (default: a new temporary directory)")
    Path root;

    @Option(names = "--duration", paramLabel = "D", description = "stop after this long, e.g. 90s or 5m (default: until Ctrl-C)")
    String duration;

    @Option(names = "--segment-seconds", defaultValue = "10", paramLabel = "S", description = "segment length (default ${DEFAULT-VALUE})")
    int segmentSeconds;

    @Option(names = "--max-bytes", paramLabel = "SIZE",
            description = "retention: keep at most this much footage, e.g. 200MB (default: no limit)")
    String maxBytes;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (cameras < 1 || cameras > 64) {
            throw UserError.usage("--cameras must be between 1 and 64");
        }
        if (segmentSeconds < 2 || segmentSeconds > 3600) {
            throw UserError.usage("--segment-seconds must be between 2 and 3600");
        }
        Duration limit = null;
        if (duration != null) {
            try {
                limit = DurationText.parse(duration);
            } catch (IllegalArgumentException e) {
                throw UserError.usage("--duration: " + e.getMessage());
            }
        }
        Retention retention = Retention.NONE;
        if (maxBytes != null) {
            try {
                retention = new Retention(java.util.OptionalLong.of(org.nvr.config.ByteSize.parse(maxBytes)),
                        java.util.OptionalLong.empty(), Optional.empty());
            } catch (IllegalArgumentException e) {
                throw UserError.usage("--max-bytes: " + e.getMessage());
            }
        }
        Path dir = root != null ? root.toAbsolutePath().normalize() : Files.createTempDirectory("nvr-demo-");
        if (root != null) {
            // before the clip is encoded: a root that cannot hold footage is the operator's to fix now
            try {
                Files.createDirectories(dir);
            } catch (IOException e) {
                throw UserError.usage(IoErrors.describe("--root " + dir + ": cannot create the directory", e));
            }
            if (!Files.isWritable(dir)) {
                throw UserError.usage("--root " + dir + ": cannot write there: permission denied or read-only");
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println("nvr demo: encoding the simulated cameras' clip...");
        out.flush();
        FfmpegRuntime.init();
        SyntheticClip clip = SyntheticClip.demo();
        try (RtspCameraSimulator sim = new RtspCameraSimulator()) {
            List<CameraConfig> cams = new ArrayList<>();
            for (int i = 1; i <= cameras; i++) {
                String id = String.format("demo-%02d", i);
                sim.addCamera(id, clip);
                cams.add(new CameraConfig(id, "demo", "Simulated camera " + i, null, Optional.empty(), Optional.empty(),
                        Transport.TCP, AudioPolicy.TRANSCODE, CameraConfig.DEFAULT_STALL_TIMEOUT, Retention.NONE,
                        Optional.of("loopback simulator"), Optional.empty()));
            }
            sim.start();
            cams.replaceAll(c -> new CameraConfig(c.id(), c.siteId(), c.name(), URI.create(sim.url(c.id())),
                    c.username(), c.password(), c.transport(), c.audio(), c.stallTimeout(), c.retention(),
                    c.location(), c.contact()));
            String demoPassword = demoPassword();
            NvrConfig config = new NvrConfig(
                    new StorageConfig(dir, Duration.ofSeconds(segmentSeconds), retention),
                    new MetricsConfig("127.0.0.1", 0),
                    List.of(new SiteConfig("demo", "Demo site", cams)),
                    Optional.of(new WebConfig("127.0.0.1", 0, Optional.empty(), "vi", false,
                            List.of(new WebConfig.User(DEMO_USER, WebConfig.Role.ADMIN,
                                    PasswordHash.parse(BasicAuth.hash(demoPassword.toCharArray())))))));
            Instant started = Instant.now();
            Path demoConfig;
            try (Daemon daemon = Daemon.start(config, Recorder.Options.defaults())) {
                demoConfig = writeConfig(config); // once the root is ours: never over a running demo's
                daemon.handleSignals();
                out.printf("nvr demo: recording %d simulated camera(s) from %s%n", cameras, sim.url("demo-01"));
                out.printf("  footage: %s%n", dir);
                out.printf("  index:   %s%n", config.storage().indexPath());
                out.printf("  metrics: %s%n", daemon.metricsUrl());
                out.printf("  pages:   %s (user %s, password %s; made for this demo only)%n",
                        daemon.webUrl().orElseThrow(), DEMO_USER, demoPassword);
                out.printf("  %s. Try in another terminal:%n", limit == null ? "Ctrl-C stops" : "stops after " + duration);
                out.printf("    curl -s %s | grep ^nvr_camera_up%n", daemon.metricsUrl());
                out.flush();
                daemon.awaitStop(limit == null ? 0 : Math.max(1, limit.toMillis()));
            }
            summary(out, config, started, demoConfig);
        } catch (IOException e) {
            throw UserError.failed(IoErrors.describe("demo in " + dir, e));
        } catch (IndexException e) {
            throw Daemon.startFailed(e);
        }
        return Main.OK;
    }

    /** A password for the demo's web user, new each run: 12 letters and digits, easy to type. */
    private static String demoPassword() {
        String alphabet = "abcdefghijkmnpqrstuvwxyz23456789";
        java.security.SecureRandom random = new java.security.SecureRandom();
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 12; i++) {
            sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return sb.toString();
    }

    /** A configuration file describing the demo, so the query commands can be tried on its footage. */
    private static Path writeConfig(NvrConfig config) throws IOException {
        StringBuilder y = new StringBuilder("# Written by 'nvr demo'. The simulated cameras exist only while the demo runs.\n");
        y.append("storage:\n  root: \"").append(config.storage().root()).append("\"\n");
        y.append("  segment_seconds: ").append(config.storage().segmentDuration().toSeconds()).append('\n');
        config.storage().retention().maxBytes().ifPresent(b -> y.append("  retention: { max_bytes: ").append(b)
                .append(" }\n"));
        y.append("metrics:\n  listen: 127.0.0.1:0\n");
        y.append("sites:\n  - id: demo\n    name: \"Demo site\"\n    cameras:\n");
        config.cameras().forEach(c -> y.append("      - { id: ").append(c.id()).append(", url: \"")
                .append(c.url()).append("\" }\n"));
        Path file = config.storage().root().resolve("demo.yaml");
        Files.createDirectories(file.getParent());
        Files.writeString(file, y);
        return file;
    }

    private static void summary(PrintWriter out, NvrConfig config, Instant since, Path demoConfig)
            throws IndexException, SQLException {
        try (FootageQueries q = FootageQueries.open(config.storage().indexPath())) {
            Output.Table t = new Output.Table("CAMERA", "SEGMENTS", "RECORDED", "BYTES");
            for (CameraConfig c : config.cameras().toList()) {
                List<SegmentRow> rows = q.segments(c.id(), since.minusSeconds(1), Instant.now().plusSeconds(1));
                Duration total = rows.stream().map(r -> r.duration() == null ? Duration.ZERO : r.duration())
                        .reduce(Duration.ZERO, Duration::plus);
                t.row(c.id(), rows.size(), Output.duration(total), rows.stream().mapToLong(SegmentRow::bytes).sum());
            }
            out.println("nvr demo: stopped. Footage recorded:");
            t.print(out);
            out.printf("List it with: java -jar nvr.jar footage list --config %s --camera demo-01 --from -1h --to now%n",
                    demoConfig);
        }
    }
}
