import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import org.nvr.config.ConfigLoader;
import org.nvr.config.NvrConfig;
import org.nvr.index.IndexWriter;
import org.nvr.metrics.BasicAuth;
import org.nvr.web.WebServer;

/**
 * Playback start and seek latency over real HTTP on a big index (bench/GenerateIndex.java's rows, 60 s
 * each): every segment row of CAMERA's DAY is made a symbolic link to CLIP (a real 60 s fragmented MP4),
 * the web server runs on the index, and a logged-in client asks what a {@code <video>} asks:
 * <ul>
 *   <li>start: {@code GET /playback/CAMERA.mp4?from=T&to=T+10min} with {@code Range: bytes=0-} read up to
 *   the first 256 KiB (the moov and the first pictures), at random moments T of the day: a new URL
 *   each time, nothing cached for its segments;</li>
 *   <li>seek within a playback: a range request at a random offset of an MP4 already open;</li>
 *   <li>seek within the day: a new playback (new URL) at another random moment, as the page does.</li>
 * </ul>
 * Usage: PlaybackBench ROOT CAMERA DAY_START_EPOCH_MS CLIP [SAMPLES]. Prints the figures, asserts nothing.
 */
public class PlaybackBench {
    public static void main(String[] args) throws Exception {
        Path root = Path.of(args[0]);
        String camera = args[1];
        long day = Long.parseLong(args[2]);
        Path clip = Path.of(args[3]).toAbsolutePath();
        int samples = args.length > 4 ? Integer.parseInt(args[4]) : 40;
        int cameraNo = Integer.parseInt(camera.substring(camera.indexOf('-') + 1));
        // GenerateIndex: row i is camera i % 20, starting at START + (i / 20) * 60 s; paths site-1/cam-XX/i.mp4
        long start = Long.parseLong(System.getProperty("start", "1767225600000"));
        int cameras = Integer.parseInt(System.getProperty("cameras", "20"));
        long firstRow = (day - start) / 60000 * cameras + cameraNo;
        Path dir = root.resolve("site-1").resolve(camera);
        Files.createDirectories(dir);
        for (long k = 0; k < 1441; k++) {
            Path link = dir.resolve((firstRow + k * cameras) + ".mp4");
            if (!Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                Files.createSymbolicLink(link, clip);
            }
        }
        StringBuilder cams = new StringBuilder();
        for (int i = 0; i < cameras; i++) {
            cams.append(String.format("      - { id: cam-%02d, url: \"rtsp://192.0.2.1/%d\" }%n", i, i));
        }
        String pw = "bench-password";
        NvrConfig config = ConfigLoader.parse("storage: { root: " + root + " }\nsites:\n  - id: site-1\n    cameras:\n"
                + cams + "web:\n  listen: 127.0.0.1:0\n  users:\n    - {name: bench, role: viewer, password_hash: \""
                + BasicAuth.hash(pw.toCharArray(), 1000) + "\"}\n", Map.of());
        HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
        try (IndexWriter writer = IndexWriter.open(config.storage().indexPath());
             WebServer server = WebServer.start(config, writer, WebServer.Options.DEFAULT
                     .withClock(Clock.fixed(Instant.ofEpochMilli(day + 2 * 86_400_000L), ZoneOffset.UTC)))) {
            String base = server.url();
            HttpResponse<String> login = http.send(HttpRequest.newBuilder(URI.create(base + "login"))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString("username=bench&password=" + pw)).build(),
                    HttpResponse.BodyHandlers.ofString());
            String cookie = login.headers().firstValue("Set-Cookie").orElseThrow().split(";", 2)[0];
            Random random = new Random(7);
            // warm up the JIT and the connection (not counted)
            for (int i = 0; i < 5; i++) {
                start(http, base, cookie, camera, day + random.nextInt(86_000_000));
            }
            double[] starts = new double[samples];
            double[] seeks = new double[samples];
            long bytes = 0;
            for (int i = 0; i < samples; i++) {
                long t = day + (long) (random.nextDouble() * (86_400_000L - 600_000L));
                long t0 = System.nanoTime();
                long[] r = start(http, base, cookie, camera, t);
                starts[i] = (System.nanoTime() - t0) / 1e6;
                bytes = r[1];
                long offset = (long) (random.nextDouble() * (r[1] - 300_000));
                long t1 = System.nanoTime();
                HttpResponse<byte[]> seek = http.send(HttpRequest.newBuilder(URI.create(url(base, camera, t)))
                        .header("Cookie", cookie).header("Range", "bytes=" + offset + "-" + (offset + 262_143)).build(),
                        HttpResponse.BodyHandlers.ofByteArray());
                seeks[i] = (System.nanoTime() - t1) / 1e6;
                if (seek.statusCode() != 206) {
                    throw new IllegalStateException("seek answered " + seek.statusCode());
                }
            }
            print("playback start (new URL: index query + 11 segments' boxes + first 256 KiB)", starts);
            print("seek within an open playback (range request, 256 KiB)", seeks);
            System.out.printf("one 10-minute playback MP4: %,d bytes%n", bytes);
        }
    }

    static String url(String base, String camera, long t) {
        return base + "playback/" + camera + ".mp4?from="
                + URLEncoder.encode(Instant.ofEpochMilli(t).toString(), StandardCharsets.UTF_8) + "&to="
                + URLEncoder.encode(Instant.ofEpochMilli(t + 600_000).toString(), StandardCharsets.UTF_8);
    }

    /** First 256 KiB of a new playback; {status, total length}. */
    static long[] start(HttpClient http, String base, String cookie, String camera, long t) throws Exception {
        HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create(url(base, camera, t)))
                .header("Cookie", cookie).header("Range", "bytes=0-262143").build(),
                HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() != 206) {
            throw new IllegalStateException("playback answered " + r.statusCode() + ": " + new String(r.body()));
        }
        String range = r.headers().firstValue("Content-Range").orElseThrow();
        return new long[] {r.statusCode(), Long.parseLong(range.substring(range.indexOf('/') + 1))};
    }

    static void print(String what, double[] ms) {
        double[] s = ms.clone();
        Arrays.sort(s);
        System.out.printf("%s: median %.1f ms, p90 %.1f ms, max %.1f ms (%d samples)%n", what, s[s.length / 2],
                s[(int) (s.length * 0.9)], s[s.length - 1], s.length);
    }
}
