package org.nvr.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * VLC's RTSP output as a third, independent RTSP server for tests ({@code vlc-bin}, Debian's VLC 3):
 * {@code cvlc udp://@127.0.0.1:IN --sout '#rtp{sdp=rtsp://127.0.0.1:PORT/clip}'}. It serves RTP over
 * UDP only and answers an interleaved TCP SETUP with 461, as many relays do.
 *
 * <p><b>A known number of frames.</b> VLC streams live: whatever it sends before a client's PLAY is not
 * the client's. So the clip is made at start (ffmpeg's {@code testsrc}, libx264 baseline, in MPEG-TS) with
 * a lead-in before it, one encoding: {@code leadIn} frames from one keyframe, then the clip's
 * {@code frames} from a keyframe, a keyframe every {@code gop}. {@link #start} feeds the lead-in (VLC
 * describes the stream only once it has seen pictures); the test opens its session and, once PLAY is
 * answered, calls {@link #play()}, which feeds the clip in real time (one picture every 1/fps s), then one
 * tail picture: VLC sends a picture once the next one begins, so the tail makes it send the clip's last
 * and is itself never sent. A client that drops what comes before its first keyframe (the lead-in's last
 * picture, sent when the clip's first begins) then holds exactly the clip's {@code frames}.
 *
 * <p>VLC refuses to run as root: then it runs as {@code nobody} through {@code runuser}. It reads nothing
 * from disk (its input is UDP from this class), so the temp dir needs no permissions for it. Owns the
 * child process, the temp dir, the feeding socket and thread; {@link #close()} ends them all (the child
 * with its descendants: SIGTERM, then SIGKILL after 5 s) and is safe twice. Not thread-safe: one test
 * thread uses it.
 */
public final class VlcRtspServer implements AutoCloseable {

    public static final String PATH = "/clip";
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(5);
    private static final int TS_PACKET = 188;
    private static final int VIDEO_PID = 256;

    /**
     * What VLC streams.
     *
     * @param leadIn frames before the clip, fed at start (at least 2)
     * @param frames the clip's frames, fed by {@link #play()}
     * @param gop    frames from one keyframe of the clip to the next
     */
    public record Clip(int width, int height, int fps, int leadIn, int frames, int gop) {
        public Clip {
            if (width <= 0 || height <= 0 || fps <= 0 || leadIn < 2 || frames <= 0 || gop <= 0) {
                throw new IllegalArgumentException("bad clip: " + width + "x" + height + " " + fps + " fps, lead-in "
                        + leadIn + ", " + frames + " frames, GOP " + gop);
            }
        }

        /** Keyframes in the clip. */
        public int keyframes() {
            return (frames + gop - 1) / gop;
        }
    }

    private final Clip clip;
    private final Path dir;
    private final int port;
    private final int inputPort;
    private final DatagramSocket feeder;
    private final ScheduledExecutorService pacer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "vlc-feeder");
        t.setDaemon(true);
        return t;
    });
    private final CountDownLatch fed = new CountDownLatch(1);
    /** The MPEG-TS, cut into pictures: element i holds the packets from picture i's start to the next's. */
    private List<byte[]> pictures;
    private byte[] head;
    private Process process;
    private boolean closed;

    private VlcRtspServer(Clip clip, Path dir, int port, int inputPort) throws IOException {
        this.clip = clip;
        this.dir = dir;
        this.port = port;
        this.inputPort = inputPort;
        this.feeder = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    }

    /** Makes the clip, starts VLC, feeds the lead-in, and returns once DESCRIBE is answered with the stream. */
    public static VlcRtspServer start(Clip clip) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("vlc-rtsp-");
        VlcRtspServer server = new VlcRtspServer(clip, dir, freeTcpPort(), freeUdpPort());
        try {
            server.makeClip();
            server.launch();
            server.awaitListening();
            server.awaitInputBound();
            server.feedLeadIn();
            server.awaitDescribed();
            return server;
        } catch (IOException | InterruptedException | RuntimeException e) {
            server.close();
            throw e;
        }
    }

    public Clip clip() {
        return clip;
    }

    /** {@code rtsp://127.0.0.1:PORT/clip}. */
    public String url() {
        return "rtsp://127.0.0.1:" + port + PATH;
    }

    /** Starts feeding the clip, one picture every 1/fps s; returns at once. Once only. */
    public void play() {
        long period = 1_000_000_000L / clip.fps();
        int[] next = {clip.leadIn()};
        pacer.scheduleAtFixedRate(() -> {
            if (next[0] < pictures.size()) {
                send(pictures.get(next[0]++));
            } else if (fed.getCount() > 0) {
                fed.countDown();
                pacer.shutdown(); // the schedule ends here
            }
        }, 0, period, TimeUnit.NANOSECONDS);
    }

    /** Waits until {@link #play()} has fed the whole clip. */
    public boolean awaitFed(Duration timeout) throws InterruptedException {
        return fed.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        pacer.shutdownNow();
        feeder.close();
        if (process != null) {
            List<ProcessHandle> all = new ArrayList<>(process.descendants().toList());
            all.add(process.toHandle());
            all.forEach(ProcessHandle::destroy);
            for (ProcessHandle p : all) {
                try {
                    p.onExit().get(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                } catch (Exception e) {
                    p.destroyForcibly();
                }
            }
        }
        try (var files = Files.walk(dir)) {
            files.sorted((a, b) -> b.compareTo(a)).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temp dir left behind is harmless
        }
    }

    private void makeClip() throws IOException, InterruptedException {
        Path ts = dir.resolve("clip.ts");
        int total = clip.leadIn() + clip.frames() + 1; // the tail
        StringBuilder keys = new StringBuilder("expr:eq(n,0)");
        for (int k = clip.leadIn(); k < clip.leadIn() + clip.frames(); k += clip.gop()) {
            keys.append("+eq(n,").append(k).append(')');
        }
        ExternalCommand.Result made = ExternalCommand.run(List.of(MediaProbe.FFMPEG, "-nostdin", "-hide_banner",
                "-v", "error", "-f", "lavfi", "-i", "testsrc=size=" + clip.width() + "x" + clip.height() + ":rate="
                        + clip.fps(), "-frames:v", String.valueOf(total), "-c:v", "libx264", "-profile:v", "baseline",
                "-pix_fmt", "yuv420p", "-g", "100000", "-x264-params", "scenecut=0", "-force_key_frames", keys.toString(),
                "-f", "mpegts", ts.toString()), Duration.ofSeconds(60));
        if (made.exitCode() != 0) {
            throw new IOException("ffmpeg could not make the clip: " + made.stderr());
        }
        byte[] bytes = Files.readAllBytes(ts);
        List<Integer> starts = new ArrayList<>();
        for (int i = 0; i + TS_PACKET <= bytes.length; i += TS_PACKET) {
            int pid = (bytes[i + 1] & 0x1F) << 8 | bytes[i + 2] & 0xFF;
            if (pid == VIDEO_PID && (bytes[i + 1] & 0x40) != 0) {
                starts.add(i);
            }
        }
        if (starts.size() != total) {
            throw new IOException("expected " + total + " pictures in the clip, found " + starts.size());
        }
        starts.add(bytes.length - bytes.length % TS_PACKET);
        head = Arrays.copyOfRange(bytes, 0, starts.get(0)); // PAT, PMT
        pictures = new ArrayList<>();
        for (int i = 0; i < total; i++) {
            pictures.add(Arrays.copyOfRange(bytes, starts.get(i), starts.get(i + 1)));
        }
    }

    private void launch() throws IOException {
        List<String> command = new ArrayList<>();
        if ("root".equals(System.getProperty("user.name"))) {
            command.addAll(List.of("/usr/sbin/runuser", "-u", "nobody", "--"));
        }
        command.addAll(List.of("/usr/bin/cvlc", "-I", "dummy", "--no-audio", "--demux=ts",
                "udp://@127.0.0.1:" + inputPort,
                "--sout", "#rtp{sdp=rtsp://127.0.0.1:" + port + PATH + "}"));
        process = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("vlc.log").toFile())
                .start();
    }

    private void awaitListening() throws IOException, InterruptedException {
        Poll.until(READY_TIMEOUT, "VLC listening on " + port + " (log: " + dir.resolve("vlc.log") + ")", () -> {
            if (!process.isAlive()) {
                throw new IllegalStateException("VLC exited with " + process.exitValue() + ": " + log());
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
                return true;
            } catch (IOException e) {
                return false;
            }
        });
    }

    private void feedLeadIn() {
        send(head);
        for (int i = 0; i < clip.leadIn(); i++) {
            send(pictures.get(i));
        }
    }

    /**
     * Waits until VLC's UDP input is bound: its RTSP listener can be up before, and a lead-in fed then is
     * lost, after which VLC never describes the stream (CI saw that once).
     */
    private void awaitInputBound() throws InterruptedException {
        String local = String.format(" 0100007F:%04X ", inputPort); // /proc/net/udp: 127.0.0.1, port in hex
        Poll.until(READY_TIMEOUT, "VLC's UDP input bound on 127.0.0.1:" + inputPort + " (log: "
                + dir.resolve("vlc.log") + ")", () -> {
            try {
                return Files.readString(Path.of("/proc/net/udp")).contains(local);
            } catch (IOException e) {
                throw new IllegalStateException("cannot read /proc/net/udp", e);
            }
        });
    }

    /**
     * VLC answers DESCRIBE 500 until it has seen the stream's pictures: ask until it answers 200. Should
     * the lead-in still have gone astray, it is fed again every 5 s (before PLAY nothing VLC sends is
     * the client's, so a repeated lead-in changes nothing the test counts).
     */
    private void awaitDescribed() throws InterruptedException {
        long[] refeed = {System.nanoTime() + TimeUnit.SECONDS.toNanos(5)};
        Poll.until(READY_TIMEOUT, "VLC describing the stream (log: " + dir.resolve("vlc.log") + ")", () -> {
            if (describe().startsWith("RTSP/1.0 200")) {
                return true;
            }
            if (System.nanoTime() - refeed[0] > 0) {
                refeed[0] = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                feedLeadIn();
            }
            return false;
        });
    }

    private String describe() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
            s.setSoTimeout(2000);
            OutputStream out = s.getOutputStream();
            out.write(("DESCRIBE " + url() + " RTSP/1.0\r\nCSeq: 1\r\nAccept: application/sdp\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            byte[] buffer = new byte[64];
            int n = in.read(buffer);
            return n <= 0 ? "" : new String(buffer, 0, n, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            return "";
        }
    }

    /** Sends TS packets to VLC's input, seven to a datagram as usual for MPEG-TS over UDP. */
    private void send(byte[] packets) {
        try {
            for (int at = 0; at < packets.length; at += 7 * TS_PACKET) {
                int length = Math.min(7 * TS_PACKET, packets.length - at);
                feeder.send(new DatagramPacket(packets, at, length, InetAddress.getLoopbackAddress(), inputPort));
            }
        } catch (IOException e) {
            throw new IllegalStateException("feeding VLC failed", e);
        }
    }

    private String log() {
        try {
            return Files.readString(dir.resolve("vlc.log"));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private static int freeTcpPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static int freeUdpPort() throws IOException {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            return s.getLocalPort();
        }
    }
}
