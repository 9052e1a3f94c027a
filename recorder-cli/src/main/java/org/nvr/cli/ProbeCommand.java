package org.nvr.cli;

import io.netty.channel.EventLoopGroup;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.nvr.camera.FailureReason;
import org.nvr.camera.SourceException;
import org.nvr.config.AudioPolicy;
import org.nvr.config.CameraConfig;
import org.nvr.config.KnownSecrets;
import org.nvr.config.Retention;
import org.nvr.config.Transport;
import org.nvr.rtsp.Credentials;
import org.nvr.rtsp.RtspSession;
import org.nvr.rtsp.RtspSessionOptions;
import org.nvr.rtsp.RtspTransports;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code probe URL}: tries a camera once with the recorder's own RTSP client ({@link RtspSession}) for a
 * few seconds and prints what a technician needs: codecs, picture size, frame rate, GOP, bit rate,
 * audio, the camera clock's offset from ours (from an RTCP sender report, when one came within the probe's
 * seconds), the RTSP exchange and SDP without credentials, and a config line to paste. Exit 0 when video
 * frames arrived, 1 when not (the reason named), 2 on bad usage. Credentials given in the URL are used
 * to log in and never printed. Runs on the command's thread; the client runs on one event loop thread
 * the command creates and shuts down.
 */
@Command(name = "probe", mixinStandardHelpOptions = true,
        description = "Tries a camera with the recorder's own RTSP client and prints what it sends.")
final class ProbeCommand implements Callable<Integer> {

    static final String CLOCK_OFFSET_UNKNOWN = "unknown (no RTCP sender report)";

    @Parameters(index = "0", paramLabel = "URL", description = "rtsp://[user:password@]host[:port]/path")
    String url;

    @Option(names = "--transport", paramLabel = "tcp|udp|auto", defaultValue = "tcp",
            description = "how RTP comes: tcp (interleaved, default), udp, or auto (udp, then tcp if udp brings nothing)")
    String transport;

    @Option(names = "--seconds", paramLabel = "N", defaultValue = "5", description = "how long to receive (1-60, default 5)")
    int seconds;

    @Option(names = "--id", paramLabel = "ID", description = "camera id for the config line (default: from the host)")
    String id;

    @Mixin
    JsonOption json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        Transport wanted;
        try {
            wanted = Transport.valueOf(transport.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw UserError.usage("--transport: '" + transport + "' is not tcp, udp or auto");
        }
        if (seconds < 1 || seconds > 60) {
            throw UserError.usage("--seconds: " + seconds + " is not between 1 and 60");
        }
        CameraConfig camera = camera();
        KnownSecrets.remember(camera);
        Optional<Credentials> credentials = camera.username()
                .map(user -> new Credentials(user, camera.password().orElse("")));

        Transport used = wanted == Transport.AUTO ? Transport.UDP : wanted;
        String note = null;
        ProbeStats stats = new ProbeStats();
        EventLoopGroup group = RtspTransports.newGroup(1, "nvr-probe");
        RtspSession session;
        try {
            session = attempt(group, camera, credentials, used, stats);
            SourceException udpEnd = stats.closed().orElse(null);
            if (wanted == Transport.AUTO && stats.videoFrames() == 0 && udpEnd != null
                    && (udpEnd.isNothingOverUdp() || udpEnd.isTransportRefused() || udpEnd.reason() == FailureReason.STALLED)) {
                note = "udp brought no frames (" + udpEnd.reason().label() + ": " + udpEnd.getMessage() + "); tried tcp";
                used = Transport.TCP;
                stats = new ProbeStats();
                session = attempt(group, camera, credentials, used, stats);
            }
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        }

        boolean ok = stats.videoFrames() > 0;
        SourceException ended = stats.closed().orElse(null);
        String reason = ok ? null : ended == null || ended.reason() == FailureReason.SHUTDOWN
                ? FailureReason.STALLED.label() : ended.reason().label();
        String why = ok ? null : ended == null || ended.reason() == FailureReason.SHUTDOWN
                ? "no video frame in " + seconds + " s" : ended.getMessage();
        if (!ok && ended != null && ended.isTransportRefused()) {
            Transport other = used == Transport.TCP ? Transport.UDP : Transport.TCP;
            why = "transport refused: the camera answered SETUP over " + name(used) + " with 461 Unsupported Transport"
                    + " (" + ended.getMessage() + "); try --transport " + name(other);
        }
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("url", camera.url().toString());
        report.put("transport", name(used));
        if (note != null) {
            report.put("transport_note", KnownSecrets.redact(note));
        }
        report.put("ok", ok);
        report.put("reason", reason);
        report.put("message", why == null ? null : KnownSecrets.redact(why));
        report.put("seconds", seconds);
        report.put("tracks", stats.summary());
        Optional<Duration> offset = session.cameraClockOffset();
        report.put("camera_clock_offset", offset.map(ProbeCommand::clockOffset).orElse(CLOCK_OFFSET_UNKNOWN));
        report.put("camera_clock_offset_s", offset.map(d -> d.toMillis() / 1000.0).orElse(null));
        report.put("exchange", session.exchange());
        report.put("sdp", session.sdp());
        report.put("config", configLine(camera, ok ? used : Transport.TCP));

        PrintWriter out = spec.commandLine().getOut();
        if (json.wanted()) {
            Output.json(out, report);
        } else {
            print(out, report);
        }
        out.flush();
        if (!ok) {
            spec.commandLine().getErr().println("probe: " + camera.url() + ": no frames (" + reason + "): "
                    + report.get("message"));
        }
        return ok ? Main.OK : Main.FAILED;
    }

    /** One session over {@code lower}, for --seconds (or until the client's own bounds end it); returns it closed. */
    private RtspSession attempt(EventLoopGroup group, CameraConfig camera, Optional<Credentials> credentials,
                                Transport lower, ProbeStats stats) throws InterruptedException {
        RtspSessionOptions options = RtspSessionOptions.defaults().withTransport(lower);
        RtspSession session = RtspSession.open(group, camera.url(), credentials, options, stats);
        boolean done = session.closeFuture().await(seconds, TimeUnit.SECONDS);
        if (!done && stats.videoFrames() == 0) {
            // Nothing yet: let the client's own bounds (step timeout, stall timeout) end it with the
            // exact reason (timeout, stalled) rather than calling it stalled after --seconds.
            Duration bound = options.stepTimeout().plus(options.stallTimeout()).plusSeconds(1);
            done = session.closeFuture().await(bound.toMillis(), TimeUnit.MILLISECONDS);
        }
        if (!done) {
            session.close();
            session.closeFuture().await(5, TimeUnit.SECONDS);
        }
        return session;
    }

    private static String name(Transport t) {
        return t.name().toLowerCase(Locale.ROOT);
    }

    /**
     * A camera clock offset (camera minus ours) as a technician reads it: {@code +0.012 s (clocks agree
     * within 1 s)}, {@code -42.500 s (camera behind)}, {@code -02:03:04 (camera behind)}, {@code +5 y 1 d
     * 00:00:00 (camera ahead)}; past a minute rounded to the second; a year is 365 days.
     */
    static String clockOffset(Duration offset) {
        Duration size = offset.abs();
        String sign = offset.isNegative() ? "-" : "+";
        String side = size.compareTo(Duration.ofSeconds(1)) < 0 ? "clocks agree within 1 s"
                : offset.isNegative() ? "camera behind" : "camera ahead";
        if (size.compareTo(Duration.ofMinutes(1)) < 0) {
            return String.format(Locale.ROOT, "%s%.3f s (%s)", sign, size.toMillis() / 1000.0, side);
        }
        size = size.plusMillis(500).withNanos(0); // to the nearest second: 1 d less 3 ms of transit reads as 1 d
        long days = size.toDays();
        StringBuilder text = new StringBuilder(sign);
        if (days >= 365) {
            text.append(days / 365).append(" y ");
        }
        if (days % 365 > 0) {
            text.append(days % 365).append(" d ");
        }
        text.append(String.format(Locale.ROOT, "%02d:%02d:%02d", size.toHoursPart(), size.toMinutesPart(),
                size.toSecondsPart()));
        return text.append(" (").append(side).append(')').toString();
    }

    /** The URL as a camera config: user info moved out of the URL into username and password. */
    private CameraConfig camera() {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw UserError.usage("URL: not a valid URL (percent-encode @ : # / in the password): "
                    + KnownSecrets.redact(url));
        }
        if (!"rtsp".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
            throw UserError.usage("URL: expected rtsp://host[:port]/path, got " + KnownSecrets.redact(url));
        }
        String cameraId = id != null ? id : idFromHost(uri.getHost());
        return new CameraConfig(cameraId, "probe", cameraId, uri, Optional.empty(), Optional.empty(), Transport.TCP,
                AudioPolicy.COPY_OR_DROP, CameraConfig.DEFAULT_STALL_TIMEOUT, Retention.NONE, Optional.empty(),
                Optional.empty());
    }

    /** {@code 192.168.1.10} as {@code cam-192-168-1-10}: a valid camera id. */
    static String idFromHost(String host) {
        String id = "cam-" + host.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-|-$", "");
        return id.length() > 32 ? id.substring(0, 32).replaceAll("-$", "") : id;
    }

    /** The line to paste under {@code cameras:}; credentials as environment placeholders, never their value. */
    static String configLine(CameraConfig camera) {
        return configLine(camera, Transport.TCP);
    }

    /** The same, with {@code transport: udp} when the camera was received over UDP (tcp is the default). */
    static String configLine(CameraConfig camera, Transport used) {
        StringBuilder line = new StringBuilder("- { id: ").append(camera.id())
                .append(", url: \"").append(camera.url()).append('"');
        if (used == Transport.UDP) {
            line.append(", transport: udp");
        }
        if (camera.username().isPresent() || camera.password().isPresent()) {
            String env = camera.id().toUpperCase(Locale.ROOT).replace('-', '_');
            line.append(", username: \"${").append(env).append("_USER}\"");
            line.append(", password: \"${").append(env).append("_PASSWORD}\"");
        }
        return line.append(" }").toString();
    }

    @SuppressWarnings("unchecked")
    private static void print(PrintWriter out, Map<String, Object> r) {
        out.println("camera:      " + r.get("url"));
        out.println("transport:   " + r.get("transport") + (r.get("transport_note") == null ? ""
                : " (" + r.get("transport_note") + ")"));
        out.println("result:      " + (Boolean.TRUE.equals(r.get("ok")) ? "frames received in " + r.get("seconds") + " s"
                : "no frames: " + r.get("reason") + " (" + r.get("message") + ")"));
        for (Map<String, Object> t : (List<Map<String, Object>>) r.get("tracks")) {
            if ("video".equals(t.get("kind"))) {
                out.println("video:       " + t.get("codec") + ", " + orUnknown(t.get("width")) + "x" + orUnknown(t.get("height"))
                        + ", " + orUnknown(t.get("fps")) + " fps, GOP " + orUnknown(t.get("gop_frames")) + " frames ("
                        + orUnknown(t.get("gop_s")) + " s), " + bitRate(t.get("bit_rate")) + ", "
                        + t.get("frames") + " frames");
            } else {
                out.println("audio:       " + t.get("codec") + ", " + t.get("sample_rate") + " Hz, " + t.get("channels")
                        + " channel(s), " + bitRate(t.get("bit_rate")) + ", " + t.get("frames") + " frames");
            }
        }
        List<?> tracks = (List<?>) r.get("tracks");
        if (tracks.isEmpty()) {
            out.println("tracks:      none set up");
        } else if (tracks.stream().noneMatch(t -> "audio".equals(((Map<?, ?>) t).get("kind")))) {
            out.println("audio:       none");
        }
        out.println("clock:       camera clock offset " + r.get("camera_clock_offset"));
        out.println("RTSP exchange:");
        for (String line : (List<String>) r.get("exchange")) {
            out.println("  " + line);
        }
        String sdp = (String) r.get("sdp");
        if (!sdp.isEmpty()) {
            out.println("SDP:");
            for (String line : sdp.split("\r\n|\n")) {
                out.println("  " + line);
            }
        }
        out.println("config (paste under a site's cameras:):");
        out.println("  " + r.get("config"));
    }

    private static String orUnknown(Object value) {
        return value == null ? "?" : value.toString();
    }

    private static String bitRate(Object bits) {
        return bits == null ? "? bit/s" : String.format(Locale.ROOT, "%.2f Mbit/s", ((Number) bits).longValue() / 1e6);
    }
}
