import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The viewers of {@code VIEWERS=sockets bench/web-load.sh}: what the recorder sees of the browsers, without
 * the browsers (on a small machine, chromiums decoding 32 1080p streams starve; in an office they are other
 * machines). LIVE "browsers" each log in with the form (their own session cookie, as a browser gets) and open
 * the 4 live WebSockets of a wall page ({@code /live/cam-N}, browser i showing page i mod CAMERAS/4); PLAYBACK
 * more log in and download {@code /playback/cam-N.mp4?from=-3m&to=now} at about real time (RATE bytes/s,
 * default 500000: the clip's 4 Mbit/s), again from the start when it ends, as a looping {@code <video>}.
 * Every socket reads every message: the codec text, the init segment, then one fMP4 fragment per picture.
 *
 * <p>Prints "READY ready expected" once every socket had its init segment and a picture and every download
 * its first bytes (or after 60 s, with how many did), then waits until the file STOP exists (the script
 * measures the recorder meanwhile) and prints, for that span:
 * {@code VIEWERS live sockets bytes pictures wall min_pictures closed} and
 * {@code VIEWERS playback clients bytes wall}, then DONE. Threads: the HttpClient's (one shared client, its
 * sockets' listeners only count), one per download, main waits.
 * Usage: WebViewers URL USER PASSWORD CAMERAS LIVE PLAYBACK STOP_FILE
 */
public class WebViewers {
    /** One live socket's counts: bytes of every message, pictures (binary messages after the init segment). */
    static final class Live implements WebSocket.Listener {
        final String camera;
        final AtomicLong bytes = new AtomicLong();
        final AtomicLong binaries = new AtomicLong(); // whole binary messages: the init segment, then pictures
        final AtomicBoolean closed = new AtomicBoolean();

        Live(String camera) {
            this.camera = camera;
        }

        long pictures() {
            return Math.max(0, binaries.get() - 1);
        }

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            bytes.addAndGet(data.length());
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
            bytes.addAndGet(data.remaining());
            if (last) {
                binaries.incrementAndGet();
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int status, String reason) {
            closed.set(true);
            System.err.println(java.time.LocalTime.now() + " live " + camera + " closed: " + status + " " + reason);
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            closed.set(true);
            // the JDK reports a frame it refuses as a ProtocolException whose cause says what was wrong
            System.err.println(java.time.LocalTime.now() + " live " + camera + ": " + error
                    + (error.getCause() != null ? " (" + error.getCause() + ")" : "") + " after " + bytes.get()
                    + " bytes, " + binaries.get() + " binary messages");
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
        List<WebSocket> open = new ArrayList<>();
        for (int i = 0; i < live; i++) {
            String cookie = login(http, url, user, password);
            int page = i % pages;
            for (int t = 0; t < Math.min(4, cameras); t++) {
                String camera = "cam-" + (page * 4 + t + 1);
                Live l = new Live(camera);
                sockets.add(l);
                open.add(http.newWebSocketBuilder().header("Cookie", cookie).header("Origin", url)
                        .connectTimeout(Duration.ofSeconds(30))
                        .buildAsync(URI.create(url.replaceFirst("^http", "ws") + "/live/" + camera), l)
                        .get(60, java.util.concurrent.TimeUnit.SECONDS));
            }
        }
        AtomicLong played = new AtomicLong();
        AtomicLong started = new AtomicLong();
        AtomicBoolean stopping = new AtomicBoolean();
        List<Thread> downloads = new ArrayList<>();
        for (int i = 0; i < playback; i++) {
            String cookie = login(http, url, user, password);
            String camera = "cam-" + (i % cameras + 1);
            Thread t = new Thread(() -> download(http, url, camera, cookie, rate, played, started, stopping),
                    "playback-" + camera);
            t.setDaemon(true);
            t.start();
            downloads.add(t);
        }

        // every socket has its init segment and a picture, every download its first bytes; or 60 s
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        int ready;
        while (true) {
            ready = (int) sockets.stream().filter(l -> l.pictures() > 0).count() + (int) started.get();
            if (ready >= sockets.size() + playback || System.nanoTime() > deadline) {
                break;
            }
            Thread.sleep(100);
        }
        long[] first = sockets.stream().mapToLong(Live::pictures).toArray();
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
            long n = sockets.get(i).pictures() - first[i];
            pictures += n;
            least = Math.min(least, n);
        }
        long bytes = sockets.stream().mapToLong(l -> l.bytes.get()).sum() - firstBytes;
        long closed = sockets.stream().filter(l -> l.closed.get()).count();
        if (!sockets.isEmpty()) {
            System.out.printf("VIEWERS live %d %d %d %.1f %d %d%n", sockets.size(), bytes, pictures, wall, least,
                    closed);
        }
        if (playback > 0) {
            System.out.printf("VIEWERS playback %d %d %.1f%n", playback, played.get() - firstPlayed, wall);
        }
        stopping.set(true);
        for (WebSocket ws : open) {
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "").exceptionally(e -> null);
        }
        for (Thread t : downloads) {
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
                         AtomicLong started, AtomicBoolean stopping) {
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
