import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The viewers of {@code VIEWERS=sockets bench/web-load.sh}: what the recorder sees of the browsers, without
 * the browsers (on a small machine, chromiums decoding 32 1080p streams starve; in an office they are other
 * machines). LIVE "browsers" each log in with the form (their own session cookie, as a browser gets) and open
 * the 4 live WebSockets of a wall page ({@code /live/cam-N}, browser i showing page i mod CAMERAS/4); PLAYBACK
 * more log in and download {@code /playback/cam-N.mp4?from=-3m&to=now} at about real time (RATE bytes/s,
 * default 500000: the clip's 4 Mbit/s), again from the start when it ends, as a looping {@code <video>}.
 *
 * <p>Each live socket is read by a thread of its own straight from the TCP socket, strictly: every frame
 * (RFC 6455: FIN set, no RSV bits, a known opcode, unmasked, as long as its header says) and every message
 * (the codec text first, then an init segment of ftyp+moov, then one fragment per picture: moof+mdat whose
 * box sizes add up to the message and whose sequence numbers rise; a new codec text and init segment when
 * the camera's stream changes). Pings are answered. Anything else is a fault: printed with the bytes around
 * it, and the socket ends. Not the JDK's {@code java.net.http.WebSocket}: it sometimes loses bytes that
 * arrive in the same read as its upgrade response, as a live socket's first pictures do
 * (bench/JdkWebSocketRace.java), and this bench then counted the JDK's fault as the recorder's.
 *
 * <p>CHURN=N: the viewers come and go, as a wall of browsers paging, reloading and closing tabs: each of the
 * LIVE*4 sockets watches a random camera for 1 to N pictures, leaves (a close frame, answered, or half the
 * time a dropped connection, as a closed tab) and at once opens another.
 *
 * <p>Prints "READY ready expected" once every socket had its init segment and a picture and every download
 * its first bytes (or after 60 s, with how many did), then waits until the file STOP exists (the script
 * measures the recorder meanwhile) and prints, for that span:
 * {@code VIEWERS live sockets bytes pictures wall min_pictures closed faults connections} (closed: sockets
 * the server ended although the viewer stayed; faults and connections: since the start, connections the
 * WebSockets opened, more than sockets with CHURN)
 * and {@code VIEWERS playback clients bytes wall}, then DONE. Threads: one per live socket, one per download,
 * main waits.
 * Usage: WebViewers URL USER PASSWORD CAMERAS LIVE PLAYBACK STOP_FILE
 */
public class WebViewers {
    static final AtomicBoolean stopping = new AtomicBoolean();
    /** Most pictures a churning viewer watches before it leaves; 0: viewers stay (CHURN). */
    static final int CHURN = Integer.parseInt(System.getenv().getOrDefault("CHURN", "0"));

    /** A live socket's place on a wall page: its counts, over every connection it opened. */
    static final class Live {
        final URI base;
        final String cookie;
        final int cameras;
        String camera;
        final AtomicLong bytes = new AtomicLong();
        final AtomicLong pictures = new AtomicLong();
        final AtomicLong connections = new AtomicLong();
        final AtomicLong faults = new AtomicLong();
        final AtomicBoolean closed = new AtomicBoolean();
        /** Whether this connection sent its close frame (a viewer sends one, once). */
        final AtomicBoolean leaving = new AtomicBoolean();
        volatile Socket socket;

        Live(URI base, String cookie, String camera, int cameras) {
            this.base = base;
            this.cookie = cookie;
            this.camera = camera;
            this.cameras = cameras;
        }

        void run() {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            do {
                if (CHURN > 0) {
                    camera = "cam-" + (random.nextInt(cameras) + 1);
                }
                try {
                    visit(CHURN > 0 ? 1 + random.nextInt(CHURN) : Long.MAX_VALUE);
                } catch (IOException e) {
                    if (!stopping.get()) {
                        closed.set(CHURN == 0);
                        System.err.println(LocalTime.now() + " live " + camera + ": " + e);
                        pause(1000); // as a tile does before it tries again, not a loop hammering the server
                    }
                }
            } while (CHURN > 0 && !stopping.get() && faults.get() == 0);
        }

        /** One WebSocket on this camera: reads {@code want} pictures (or until stopping), then leaves. */
        void visit(long want) throws IOException {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            try (Socket s = new Socket()) {
                leaving.set(false);
                socket = s;
                s.connect(new InetSocketAddress(base.getHost(), base.getPort()), 30_000);
                s.setSoTimeout(60_000);
                byte[] key = new byte[16];
                random.nextBytes(key);
                send(("GET /live/" + camera + " HTTP/1.1\r\nHost: " + base.getAuthority()
                        + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: "
                        + Base64.getEncoder().encodeToString(key) + "\r\nSec-WebSocket-Version: 13\r\nOrigin: "
                        + base + "\r\nCookie: " + cookie + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                DataInputStream in = new DataInputStream(new BufferedInputStream(s.getInputStream(), 65536));
                String status = statusLine(in);
                if (!status.startsWith("HTTP/1.1 101")) {
                    throw new IOException("upgrade answered " + status);
                }
                connections.incrementAndGet();
                Checker checker = new Checker();
                long seen = 0;
                long offset = 0;
                byte[] recent = new byte[0];
                while (true) {
                    if ((seen >= want || stopping.get()) && !leaving.get()) {
                        if (CHURN > 0 && !stopping.get() && random.nextBoolean()) {
                            return; // the tab is closed: the connection just goes
                        }
                        leave();
                    }
                    int b0 = in.readUnsignedByte();
                    int b1 = in.readUnsignedByte();
                    int opcode = b0 & 0x0f;
                    long length = b1 & 0x7f;
                    int header = 2;
                    if (length == 126) {
                        length = in.readUnsignedShort();
                        header += 2;
                    } else if (length == 127) {
                        length = in.readLong();
                        header += 8;
                    }
                    String wrong = (b0 & 0x80) == 0 ? "FIN not set"
                            : (b0 & 0x70) != 0 ? "RSV bits set"
                            : opcode != 1 && opcode != 2 && opcode != 8 && opcode != 9 && opcode != 10 ? "opcode " + opcode
                            : (b1 & 0x80) != 0 ? "masked" : length < 0 || length > 16 << 20 ? length + " bytes" : null;
                    if (wrong != null) {
                        fault("frame header " + String.format("%02x %02x", b0, b1) + " at byte " + offset + ": "
                                + wrong, recent);
                        return;
                    }
                    byte[] payload = new byte[(int) length];
                    in.readFully(payload);
                    offset += header + length;
                    bytes.addAndGet(header + length);
                    recent = payload;
                    if (opcode == 8) {
                        if (!leaving.get()) {
                            closed.set(CHURN == 0);
                            int code = length >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : 1005;
                            System.err.println(LocalTime.now() + " live " + camera + " closed by the server: " + code
                                    + " " + new String(payload, Math.min(2, payload.length),
                                    Math.max(0, payload.length - 2), StandardCharsets.UTF_8));
                        }
                        return;
                    }
                    if (opcode == 9) {
                        send(masked(0x8a, payload));
                        continue;
                    }
                    if (opcode == 10) {
                        continue;
                    }
                    wrong = opcode == 1 ? checker.text(new String(payload, StandardCharsets.UTF_8))
                            : checker.binary(payload);
                    if (wrong != null) {
                        fault("message at byte " + offset + ": " + wrong, payload);
                        return;
                    }
                    if (checker.picture) {
                        pictures.incrementAndGet();
                        seen++;
                    }
                }
            } catch (EOFException e) {
                if (!stopping.get()) {
                    closed.set(CHURN == 0);
                    System.err.println(LocalTime.now() + " live " + camera + ": the server hung up");
                    pause(1000);
                }
            } finally {
                socket = null;
            }
        }

        static void pause(long millis) {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        void fault(String what, byte[] bytes) {
            faults.incrementAndGet();
            StringBuilder hex = new StringBuilder();
            for (int i = 0; i < Math.min(bytes.length, 32); i++) {
                hex.append(String.format(" %02x", bytes[i]));
            }
            System.err.println(LocalTime.now() + " FAULT live " + camera + ": " + what + "; the last message began"
                    + hex);
        }

        /** Sends the close frame a page leaving sends (1000), unless this connection did already. */
        void leave() throws IOException {
            if (leaving.compareAndSet(false, true)) {
                send(masked(0x88, new byte[] {0x03, (byte) 0xe8}));
            }
        }

        synchronized void send(byte[] b) throws IOException {
            Socket s = socket;
            if (s != null) {
                OutputStream o = s.getOutputStream();
                o.write(b);
                o.flush();
            }
        }

        /** A client's frame: masked, as RFC 6455 wants every frame from a client. */
        static byte[] masked(int b0, byte[] payload) {
            byte[] mask = new byte[4];
            ThreadLocalRandom.current().nextBytes(mask);
            byte[] f = new byte[6 + payload.length]; // control frames: payloads under 126 bytes
            f[0] = (byte) b0;
            f[1] = (byte) (0x80 | payload.length);
            System.arraycopy(mask, 0, f, 2, 4);
            for (int i = 0; i < payload.length; i++) {
                f[6 + i] = (byte) (payload[i] ^ mask[i % 4]);
            }
            return f;
        }

        static String statusLine(InputStream in) throws IOException {
            StringBuilder b = new StringBuilder();
            int c;
            while ((c = in.read()) >= 0) {
                b.append((char) c);
                if (b.length() >= 4 && b.substring(b.length() - 4).equals("\r\n\r\n")) {
                    return b.toString().split("\r\n", 2)[0];
                }
            }
            throw new EOFException("no answer to the upgrade");
        }
    }

    /** What a viewer must receive, in order: the codec text, the init segment, pictures. */
    static final class Checker {
        boolean text;
        boolean init;
        long lastSequence = -1;
        /** Whether the last binary message was a picture (a fragment). */
        boolean picture;

        String text(String s) {
            picture = false;
            if (!s.startsWith("video/mp4")) {
                return "codec text '" + s + "'";
            }
            text = true;
            init = false; // an init segment follows
            return null;
        }

        String binary(byte[] b) {
            picture = false;
            if (!text) {
                return "binary before the codec text";
            }
            List<String> types = new ArrayList<>();
            long sequence = -1;
            int p = 0;
            while (p < b.length) {
                if (b.length - p < 8) {
                    return (b.length - p) + " bytes after the last box";
                }
                long size = ByteBuffer.wrap(b, p, 4).getInt() & 0xffffffffL;
                String type = new String(b, p + 4, 4, StandardCharsets.ISO_8859_1);
                if (size < 8 || size > b.length - p) {
                    return "box '" + type.replaceAll("[^ -~]", "?") + "' of " + size + " bytes at " + p + " of "
                            + b.length;
                }
                if (type.equals("moof") && size >= 24
                        && new String(b, p + 12, 4, StandardCharsets.ISO_8859_1).equals("mfhd")) {
                    sequence = ByteBuffer.wrap(b, p + 20, 4).getInt() & 0xffffffffL; // moof { mfhd { ver, seq } }
                }
                types.add(type);
                p += (int) size;
            }
            if (!init) {
                if (types.size() < 2 || !types.get(0).equals("ftyp") || !types.contains("moov")) {
                    return "init segment of " + types;
                }
                init = true;
                lastSequence = -1;
                return null;
            }
            if (!types.equals(List.of("moof", "mdat"))) {
                return "a picture of boxes " + types;
            }
            if (sequence <= lastSequence) {
                return "fragment sequence " + sequence + " after " + lastSequence;
            }
            lastSequence = sequence;
            picture = true;
            return null;
        }
    }

    public static void main(String[] args) throws Exception {
        String url = args[0].replaceAll("/$", "");
        String user = args[1];
        String password = args[2];
        int cameras = Integer.parseInt(args[3]);
        int live = Integer.parseInt(args[4]);
        int playback = Integer.parseInt(args[5]);
        Path stop = Path.of(args[6]);
        long rate = Long.parseLong(System.getenv().getOrDefault("RATE", "500000"));
        int pages = Math.max(1, cameras / 4);
        // HTTP/1.1 as a browser on plain http (no h2c upgrade); the login's 303 is read, not followed
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(30)).followRedirects(HttpClient.Redirect.NEVER).build();

        List<Live> sockets = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < live; i++) {
            String cookie = login(http, url, user, password);
            int page = i % pages;
            for (int t = 0; t < Math.min(4, cameras); t++) {
                Live l = new Live(URI.create(url), cookie, "cam-" + (page * 4 + t + 1), cameras);
                sockets.add(l);
                Thread thread = new Thread(l::run, "live-" + sockets.size());
                thread.start();
                threads.add(thread);
            }
        }
        AtomicLong played = new AtomicLong();
        AtomicLong started = new AtomicLong();
        for (int i = 0; i < playback; i++) {
            String cookie = login(http, url, user, password);
            String camera = "cam-" + (i % cameras + 1);
            Thread t = new Thread(() -> download(http, url, camera, cookie, rate, played, started),
                    "playback-" + camera);
            t.setDaemon(true);
            t.start();
            threads.add(t);
        }

        // every socket has its init segment and a picture, every download its first bytes; or 60 s
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        int ready;
        while (true) {
            ready = (int) sockets.stream().filter(l -> l.pictures.get() > 0).count() + (int) started.get();
            if (ready >= sockets.size() + playback || System.nanoTime() > deadline) {
                break;
            }
            Thread.sleep(100);
        }
        long[] first = sockets.stream().mapToLong(l -> l.pictures.get()).toArray();
        long firstBytes = sockets.stream().mapToLong(l -> l.bytes.get()).sum();
        long firstPlayed = played.get();
        long t0 = System.nanoTime();
        System.out.println("READY " + ready + " " + (sockets.size() + playback));
        System.out.flush();
        long end = System.nanoTime() + Duration.ofMinutes(20).toNanos();
        while (!Files.exists(stop) && System.nanoTime() < end) {
            Thread.sleep(200);
        }
        double wall = (System.nanoTime() - t0) / 1e9;
        long pictures = 0;
        long least = Long.MAX_VALUE;
        for (int i = 0; i < sockets.size(); i++) {
            long n = sockets.get(i).pictures.get() - first[i];
            pictures += n;
            least = Math.min(least, n);
        }
        long bytes = sockets.stream().mapToLong(l -> l.bytes.get()).sum() - firstBytes;
        long connections = sockets.stream().mapToLong(l -> l.connections.get()).sum();
        long closed = sockets.stream().filter(l -> l.closed.get()).count();
        long faults = sockets.stream().mapToLong(l -> l.faults.get()).sum();
        if (!sockets.isEmpty()) {
            System.out.printf("VIEWERS live %d %d %d %.1f %d %d %d %d%n", sockets.size(), bytes, pictures, wall, least,
                    closed, faults, connections);
        }
        if (playback > 0) {
            System.out.printf("VIEWERS playback %d %d %.1f%n", playback, played.get() - firstPlayed, wall);
        }
        stopping.set(true);
        for (Live l : sockets) {
            try {
                l.leave(); // each reader then reads up to the server's close
            } catch (IOException e) {
                // gone
            }
        }
        for (Thread t : threads) {
            t.join(10_000);
        }
        System.out.println("DONE");
        System.out.flush();
        System.exit(0);
    }

    /** Logs in with the form, as a browser does; returns the session cookie ("name=value"). */
    static String login(HttpClient http, String url, String user, String password) throws Exception {
        String form = "username=" + URLEncoder.encode(user, StandardCharsets.UTF_8) + "&password="
                + URLEncoder.encode(password, StandardCharsets.UTF_8);
        for (int attempt = 1; ; attempt++) {
            HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create(url + "/login"))
                    .timeout(Duration.ofSeconds(60)).header("Origin", url)
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.discarding());
            if (r.statusCode() == 303) {
                return r.headers().allValues("Set-Cookie").stream().map(c -> c.split(";", 2)[0])
                        .filter(c -> !c.startsWith("nvr_lang=")).findFirst()
                        .orElseThrow(() -> new IllegalStateException("login: no session cookie"));
            }
            // a busy recorder answers 503/429 with Retry-After: wait as a person would, a few times
            if ((r.statusCode() == 503 || r.statusCode() == 429) && attempt < 10) {
                long wait = r.headers().firstValueAsLong("Retry-After").orElse(1);
                Thread.sleep(Math.min(30, Math.max(1, wait)) * 1000);
                continue;
            }
            throw new IllegalStateException("login: HTTP " + r.statusCode());
        }
    }

    /** Downloads a camera's last 3 minutes at about {@code rate} bytes/s, again and again, until stopping. */
    static void download(HttpClient http, String url, String camera, String cookie, long rate, AtomicLong played,
                         AtomicLong started) {
        boolean first = true;
        byte[] buf = new byte[64 * 1024];
        while (!stopping.get()) {
            try {
                HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(
                                URI.create(url + "/playback/" + camera + ".mp4?from=-3m&to=now"))
                        .timeout(Duration.ofSeconds(60)).header("Cookie", cookie).header("Range", "bytes=0-").GET()
                        .build(), HttpResponse.BodyHandlers.ofInputStream());
                if (r.statusCode() / 100 != 2) {
                    System.err.println("playback " + camera + ": HTTP " + r.statusCode());
                    r.body().close();
                    Thread.sleep(1000);
                    continue;
                }
                long t0 = System.nanoTime();
                long got = 0;
                try (InputStream in = r.body()) {
                    int n;
                    while (!stopping.get() && (n = in.read(buf)) > 0) {
                        got += n;
                        played.addAndGet(n);
                        if (first) {
                            first = false;
                            started.incrementAndGet();
                        }
                        // about real time: never ahead of rate bytes per second since this request began
                        long ahead = got * 1_000_000_000L / rate - (System.nanoTime() - t0);
                        if (ahead > 0) {
                            Thread.sleep(ahead / 1_000_000, (int) (ahead % 1_000_000));
                        }
                    }
                }
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                System.err.println("playback " + camera + ": " + e);
            }
        }
    }
}
