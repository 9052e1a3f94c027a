import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.nvr.camera.CameraState;
import org.nvr.config.ConfigLoader;
import org.nvr.config.NvrConfig;
import org.nvr.daemon.Recorder;
import org.nvr.index.FootageQueries;
import org.nvr.index.RunRow;
import org.nvr.metrics.BasicAuth;
import org.nvr.sim.RtspCameraSimulator;
import org.nvr.sim.SyntheticClip;
import org.nvr.testing.Browser;
import org.openqa.selenium.By;

/**
 * Live latency of the wall: the built-in simulator plays a clip whose pictures carry a frame counter,
 * the recorder records it and serves the wall, a real headless chromium logs in and watches. Prints:
 * <ul>
 *   <li>first picture: from opening the wall (navigation start) to the first picture rendered;</li>
 *   <li>latency of every rendered picture over SECONDS: when the page showed it
 *       ({@code requestVideoFrameCallback}'s expected display time) minus when the simulator sent it.
 *       The send time comes from the frame counter drawn into the picture, read back from the page:
 *       the simulator sends session frame k at {@code first + k/fps} (it paces from its first picture,
 *       which it dates by reading its clock) and draws {@code k mod 500} (the clip loops every 20 s),
 *       so a picture showing counter c was sent at {@code first + (c + 500 n)/fps}, with n the loop
 *       that puts the send time in the 20 s before it was shown (allowing 1 s of clock noise). The
 *       share of pictures whose counter was read (0..499) is printed. The old mapping from the media
 *       time (media time 1 s = the run's first picture) is kept as a cross-check only: it holds for
 *       {@code source: ffmpeg}, not for the default {@code source: rtsp}, whose live fan-out re-dates
 *       the live timeline from when the first viewer joined;</li>
 *   <li>the recorder's CPU time per second and heap while the page watches, and live bytes sent.</li>
 * </ul>
 * With BROWSERS above 1 the other browsers open the same wall first (TILES cameras each), so the
 * figures are under that load; the recorder's CPU, heap and the most bytes queued for viewers are
 * printed too.
 * Usage: LiveLatencyBench WIDTHxHEIGHT GOP_FRAMES KBITS SECONDS TILES(1|4|9|16) BROWSERS [SOURCE=rtsp|ffmpeg]
 */
public class LiveLatencyBench {
    static final String PASSWORD = "bench-password";
    /** How far the browser's and the JVM's reading of the same wall clock may disagree, in ms. */
    static final double CLOCK_SLACK_MS = 1000;

    public static void main(String[] args) throws Exception {
        String[] size = args[0].split("x");
        int width = Integer.parseInt(size[0]);
        int height = Integer.parseInt(size[1]);
        int gop = Integer.parseInt(args[1]);
        int kbits = Integer.parseInt(args[2]);
        int seconds = Integer.parseInt(args[3]);
        int tiles = Integer.parseInt(args[4]);
        int browsers = Integer.parseInt(args[5]);
        String source = args.length > 6 ? args[6] : "rtsp";
        int fps = 25;
        int clipFrames = 500;
        SyntheticClip clip = SyntheticClip.generate(width, height, fps, gop, clipFrames, kbits * 1000);
        Path root = Files.createTempDirectory("nvr-live-bench");
        SendClock sendClock = new SendClock();
        // cam1 alone on a simulator whose clock dates its session's first picture; the others on another
        try (RtspCameraSimulator sim = new RtspCameraSimulator(0, sendClock);
             RtspCameraSimulator others = new RtspCameraSimulator()) {
            StringBuilder cams = new StringBuilder();
            sim.addCamera("cam1", clip);
            sim.start();
            cams.append("{ id: cam1, source: ").append(source).append(", url: \"").append(sim.url("cam1")).append("\" }");
            for (int i = 2; i <= tiles; i++) {
                others.addCamera("cam" + i, clip);
            }
            others.start();
            for (int i = 2; i <= tiles; i++) {
                cams.append(", { id: cam").append(i).append(", source: ").append(source).append(", url: \"").append(others.url("cam" + i)).append("\" }");
            }
            NvrConfig config = ConfigLoader.parse("storage: { root: " + root + " }\n"
                    + "sites: [ { id: bench, cameras: [ " + cams + " ] } ]\n"
                    + "web:\n  listen: 127.0.0.1:0\n  users:\n"
                    + "    - {name: xem, role: viewer, password_hash: \"" + BasicAuth.hash(PASSWORD.toCharArray(), 1000)
                    + "\"}\n", Map.of());
            try (Recorder recorder = Recorder.start(config, Recorder.Options.defaults());
                 org.nvr.web.WebServer web = org.nvr.web.WebServer.start(config, recorder.index(),
                         org.nvr.web.WebServer.Options.DEFAULT, recorder.live())) {
                long deadline = System.nanoTime() + 30_000_000_000L;
                while (!recorder.statuses().stream().allMatch(s -> s.current() == CameraState.RECORDING)) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("cameras not recording after 30 s");
                    }
                    Thread.sleep(100);
                }
                Thread.sleep(3000); // the run's start settles during its first seconds (see RunClock)
                Instant anchor;
                try (FootageQueries q = FootageQueries.open(config.storage().indexPath())) {
                    List<RunRow> runs = q.runs("cam1", Instant.EPOCH, Instant.now().plusSeconds(60));
                    anchor = runs.get(runs.size() - 1).start();
                }
                var os = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                        .getOperatingSystemMXBean();
                long idleCpu0 = os.getProcessCpuTime();
                long idleT0 = System.nanoTime();
                Thread.sleep(5000);
                double idleCpu = (os.getProcessCpuTime() - idleCpu0) / (double) (System.nanoTime() - idleT0);
                List<Browser> crowd = new ArrayList<>();
                try (Browser browser = Browser.start(1280, 800)) {
                    for (int b = 1; b < browsers; b++) {
                        crowd.add(Browser.start(1280, 800));
                        openWall(crowd.get(b - 1), web.url(), tiles);
                    }
                    openWall(browser, web.url(), tiles);
                    // the wall opened by the login's redirect: navigation start to first picture
                    Object first = browser.js("""
                            return new Promise(done => {
                              const wait = () => {
                                const v = document.querySelector('.tile[data-camera=cam1] video');
                                if (!v) return setTimeout(wait, 5);
                                v.requestVideoFrameCallback((now, m) => done(m.presentationTime));
                              };
                              wait();
                            });
                            """);
                    double firstMs = ((Number) first).doubleValue();
                    long cpu0 = os.getProcessCpuTime();
                    long t0 = System.nanoTime();
                    long sent0 = recorder.live().sentBytes();
                    long[] maxQueued = {0};
                    var sampler = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
                    sampler.scheduleAtFixedRate(() -> maxQueued[0] = Math.max(maxQueued[0], recorder.live().queuedBytes()),
                            0, 50, java.util.concurrent.TimeUnit.MILLISECONDS);
                    @SuppressWarnings("unchecked")
                    List<List<Number>> samples = (List<List<Number>>) browser.js(COLLECT, seconds * 1000, width, height);
                    double busyCpu = (os.getProcessCpuTime() - cpu0) / (double) (System.nanoTime() - t0);
                    long sent = recorder.live().sentBytes() - sent0;
                    sampler.shutdownNow();
                    List<Double> latencies = new ArrayList<>();
                    List<Double> oldLatencies = new ArrayList<>();
                    int agree = 0;
                    double frameMs = 1000.0 / fps;
                    double loopMs = clipFrames * frameMs;
                    for (List<Number> s : samples) {
                        double shownEpochMs = s.get(0).doubleValue();
                        double mediaTime = s.get(1).doubleValue();
                        int counter = s.get(2).intValue();
                        // old mapping, cross-check only: the picture at media time t is session frame
                        // (t - 1 s) * fps, which holds only while the live timeline is the run's
                        double oldSentEpochMs = sendClock.first + (mediaTime - 1.0) * 1000;
                        oldLatencies.add(shownEpochMs - oldSentEpochMs);
                        long oldFrame = Math.round((mediaTime - 1.0) * fps);
                        if (Math.floorMod(oldFrame, clipFrames) == counter) {
                            agree++;
                        }
                        if (counter < 0 || counter >= clipFrames) {
                            continue; // not a counter the clip draws: misread (scaled, blurred, not yet drawn)
                        }
                        // session frame k = counter + loops * clipFrames left the simulator k/fps after its
                        // first picture; the loop is the one sent within the 20 s before the picture was shown
                        double firstLoopSent = sendClock.first + counter * frameMs;
                        long loops = (long) Math.floor((shownEpochMs - firstLoopSent + CLOCK_SLACK_MS) / loopMs);
                        latencies.add(shownEpochMs - (firstLoopSent + loops * loopMs));
                    }
                    if (latencies.isEmpty()) {
                        throw new IllegalStateException("no frame counter read in " + samples.size() + " pictures");
                    }
                    latencies.sort(Double::compare);
                    oldLatencies.sort(Double::compare);
                    Runtime rt = Runtime.getRuntime();
                    System.out.printf("source %s; clip %dx%d, %d fps, GOP %d frames (%.1f s), %d kbit/s; %d camera(s),"
                            + " %d browser(s) each showing all of them; load average %.2f on %d cores%n", source, width,
                            height, fps, gop, gop / (double) fps, kbits, tiles, browsers, os.getSystemLoadAverage(),
                            os.getAvailableProcessors());
                    System.out.printf("first picture after opening the wall: %.0f ms (GOP %.0f ms)%n", firstMs,
                            gop * 1000.0 / fps);
                    System.out.printf("latency camera -> screen (by frame counter) over %d pictures: p50 %.0f ms,"
                            + " p95 %.0f ms, max %.0f ms%n", latencies.size(), pct(latencies, 0.5), pct(latencies, 0.95),
                            latencies.get(latencies.size() - 1));
                    System.out.printf("frame counter read in %d of %d rendered pictures (%.1f %%)%n", latencies.size(),
                            samples.size(), 100.0 * latencies.size() / samples.size());
                    System.out.printf("cross-check, old mapping (media time 1 s = run's first picture): p50 %.0f ms;"
                            + " agrees with the counter in %d of %d pictures (expected only for source ffmpeg)%n",
                            pct(oldLatencies, 0.5), agree, samples.size());
                    System.out.printf("the index dates the run's first picture %d ms after the simulator sent it%n",
                            anchor.toEpochMilli() - sendClock.first);
                    System.out.printf("recorder JVM CPU: %.1f %% of a core before anyone watched, %.1f %% while watching;"
                            + " live bytes sent %.2f Mbit/s; viewers %d; dropped %d; most queued for viewers %d KiB;"
                            + " heap used %d MiB%n",
                            idleCpu * 100, busyCpu * 100, sent * 8 / 1e6 / seconds, recorder.live().viewers(),
                            recorder.live().droppedFragments(), maxQueued[0] >> 10, (rt.totalMemory() - rt.freeMemory()) >> 20);
                } finally {
                    for (Browser b : crowd) {
                        b.close();
                    }
                }
            }
        } finally {
            try (var files = Files.walk(root)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /**
     * The simulator's wall clock: it reads it right after sending a session's first picture (for its
     * first RTCP sender report), which dates that picture.
     */
    static final class SendClock extends java.time.Clock {
        volatile long first = -1;

        @Override
        public long millis() {
            long now = System.currentTimeMillis();
            if (first < 0) {
                first = now;
            }
            return now;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis());
        }

        @Override
        public java.time.ZoneId getZone() {
            return java.time.ZoneOffset.UTC;
        }

        @Override
        public java.time.Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }

    /** Logs in; the login's redirect opens the wall, with all cameras on one page. */
    static void openWall(Browser browser, String url, int tiles) {
        var d = browser.driver();
        d.get(url + "#n=" + (tiles <= 1 ? 1 : tiles <= 4 ? 4 : tiles <= 9 ? 9 : 16));
        d.findElement(By.id("username")).sendKeys("xem");
        d.findElement(By.id("password")).sendKeys(PASSWORD);
        d.findElement(By.cssSelector("form[action='/login'] button")).click();
    }

    static double pct(List<Double> sorted, double p) {
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.floor(p * sorted.size())));
    }

    /** Every rendered picture of the first tile for MS ms: [shown at (epoch ms), media time, counter]. */
    static final String COLLECT = """
            const ms = arguments[0], w = arguments[1], h = arguments[2];
            const v = document.querySelector('.tile[data-camera=cam1] video');
            const c = document.createElement('canvas');
            c.width = w; c.height = h;
            const g = c.getContext('2d', { willReadFrequently: true });
            const block = Math.max(4, Math.min(Math.floor(w / 20), Math.floor(h / 8)) & ~1);
            const y = block / 2 + block / 2;
            const out = [];
            const end = performance.now() + ms;
            return new Promise(done => {
              const onFrame = (now, m) => {
                g.drawImage(v, 0, 0, w, h);
                const row = g.getImageData(0, y, w, 1).data;
                let n = 0;
                for (let bit = 0; bit < 16; bit++) {
                  const x = block / 2 + bit * block + block / 2, i = x * 4;
                  if (0.299 * row[i] + 0.587 * row[i + 1] + 0.114 * row[i + 2] > 128) n |= 1 << bit;
                }
                out.push([performance.timeOrigin + m.expectedDisplayTime, m.mediaTime, n]);
                if (performance.now() < end) v.requestVideoFrameCallback(onFrame); else done(out);
              };
              v.requestVideoFrameCallback(onFrame);
            });
            """;
}
