import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.openqa.selenium.By;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The browsers of bench/web-load.sh: LIVE headless chromiums each showing a page of the live wall with
 * 4 tiles (browser i shows page i mod CAMERAS/4, so every camera is watched), and PLAYBACK more each
 * playing a camera's recorded footage through a {@code <video>} on {@code /playback/{camera}.mp4}
 * (the last 3 minutes, looped, muted); they start 4 at a time. Prints "READY playing expected" once every
 * tile and video plays (or after 120 s, with how many do), then waits until
 * the file STOP exists (the script measures the recorder meanwhile) and prints how well the browsers
 * kept up: media time each video advanced against the wall time, and the pictures chromium dropped
 * ({@code getVideoPlaybackQuality}). A browser that plays far less than the wall time was starved of CPU.
 *
 * <p>Chromium is Debian's, through Debian's chromedriver, with flags that cut its cost: no GPU, muted,
 * a small window, no background networking; one process tree per browser, as separate machines would be.
 * Usage: WebLoadBench URL USER PASSWORD CAMERAS LIVE PLAYBACK STOP_FILE
 */
public class WebLoadBench {
    public static void main(String[] args) throws Exception {
        String url = args[0].replaceAll("/$", "");
        String user = args[1];
        String password = args[2];
        int cameras = Integer.parseInt(args[3]);
        int live = Integer.parseInt(args[4]);
        int playback = Integer.parseInt(args[5]);
        Path stop = Path.of(args[6]);
        int pages = Math.max(1, cameras / 4);
        List<ChromeDriver> browsers = java.util.Collections.synchronizedList(new ArrayList<>());
        List<Path> profiles = new ArrayList<>();
        // killed (the script interrupted): the browsers go too
        Thread quitAll = new Thread(() -> quit(browsers));
        Runtime.getRuntime().addShutdownHook(quitAll);
        try {
            // all browsers start and log in at once (a crowd arriving), at most 4 at a time
            ExecutorService starter = Executors.newFixedThreadPool(4);
            List<Future<ChromeDriver>> starting = new ArrayList<>();
            for (int i = 0; i < live + playback; i++) {
                Path profile = Files.createTempDirectory("nvr-webload-chromium");
                profiles.add(profile);
                int index = i;
                starting.add(starter.submit(() -> open(profile, url, user, password, index, live, cameras, pages,
                        browsers)));
            }
            starter.shutdown();
            List<ChromeDriver> ordered = new ArrayList<>(); // browser i: live below LIVE, then playback
            for (Future<ChromeDriver> f : starting) {
                ordered.add(f.get());
            }
            // every tile and video playing, or 120 s: then the measurement starts anyway, saying so
            int expected = 0;
            int playing = 0;
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            for (int i = 0; i < ordered.size(); i++) {
                int want = i < live ? Math.min(4, cameras) : 1;
                expected += want;
                playing += waitFor(ordered.get(i), want, deadline);
            }
            List<double[]> first = sample(ordered);
            long t0 = System.nanoTime();
            System.out.println("READY " + playing + " " + expected);
            System.out.flush();
            long end = System.nanoTime() + Duration.ofMinutes(20).toNanos();
            while (!Files.exists(stop) && System.nanoTime() < end) {
                Thread.sleep(200);
            }
            double wall = (System.nanoTime() - t0) / 1e9;
            List<double[]> last = sample(ordered);
            report(first, last, wall, live);
        } finally {
            quit(browsers);
            for (Path p : profiles) {
                try (var files = Files.walk(p)) {
                    files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
                }
            }
        }
        Runtime.getRuntime().removeShutdownHook(quitAll);
        System.out.println("DONE");
    }

    /** Quits every browser (4 at a time), once. */
    static void quit(List<ChromeDriver> browsers) {
        List<ChromeDriver> all;
        synchronized (browsers) {
            all = new ArrayList<>(browsers);
            browsers.clear();
        }
        ExecutorService closer = Executors.newFixedThreadPool(4);
        List<Future<?>> closing = new ArrayList<>();
        for (ChromeDriver d : all) {
            closing.add(closer.submit(() -> {
                d.quit();
                return null;
            }));
        }
        for (Future<?> f : closing) {
            try {
                f.get();
            } catch (Exception e) {
                System.err.println("closing a browser: " + e);
            }
        }
        closer.shutdown();
    }

    static ChromeDriver start(Path profile) {
        ChromeOptions options = new ChromeOptions();
        options.setBinary("/usr/bin/chromium");
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--mute-audio", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-extensions", "--disable-dev-shm-usage",
                "--autoplay-policy=no-user-gesture-required", "--window-size=640,400",
                "--user-data-dir=" + profile);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new java.io.File("/usr/bin/chromedriver")).usingAnyFreePort().build();
        // a busy machine starts chromium slowly: 5 minutes for the session instead of Selenium's 3
        ChromeDriver d = new ChromeDriver(service, options,
                org.openqa.selenium.remote.http.ClientConfig.defaultConfig().readTimeout(Duration.ofMinutes(5)));
        d.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(60));
        d.manage().timeouts().scriptTimeout(Duration.ofSeconds(60));
        return d;
    }

    /** A browser: starts, logs in, opens its wall page or its playback. */
    static ChromeDriver open(Path profile, String url, String user, String password, int i, int live, int cameras,
                             int pages, List<ChromeDriver> started) throws InterruptedException {
        ChromeDriver d = start(profile);
        started.add(d);
        d.get(url + "/");
        d.findElement(By.id("username")).sendKeys(user);
        d.findElement(By.id("password")).sendKeys(password);
        d.findElement(By.cssSelector("form[action='/login'] button")).click();
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (Boolean.TRUE.equals(script(d, "return !!document.getElementById('password');"))) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("browser " + (i + 1) + ": no login within 90 s");
            }
            Thread.sleep(250);
        }
        if (i < live) {
            d.get(url + "/app/wall#n=4&p=" + (i % pages));
        } else {
            // a page without the wall first: the login lands on the wall, whose sockets would stay open
            d.get(url + "/app/about");
            int camera = (i - live) % cameras + 1;
            d.executeScript("""
                    document.body.innerHTML = '';
                    const v = document.createElement('video');
                    v.muted = true; v.autoplay = true; v.loop = true; v.width = 320;
                    v.src = arguments[0];
                    document.body.appendChild(v);
                    v.play();
                    """, "/playback/cam-" + camera + ".mp4?from=-3m&to=now");
        }
        return d;
    }

    /** Polls until {@code want} videos of the page play or the deadline passes; returns how many play. */
    static int waitFor(ChromeDriver d, int want, long deadline) throws InterruptedException {
        while (true) {
            Object n = script(d, "return [...document.querySelectorAll('video')]"
                    + ".filter(v => v.currentTime > 0 && !v.paused).length;");
            int playing = n instanceof Number x ? x.intValue() : 0;
            if (playing >= want || System.nanoTime() > deadline) {
                return Math.min(playing, want);
            }
            Thread.sleep(250);
        }
    }

    /** Runs {@code js}; null while the page is loading. */
    static Object script(ChromeDriver d, String js) {
        try {
            return d.executeScript(js);
        } catch (org.openqa.selenium.WebDriverException e) {
            return null;
        }
    }

    /** Per browser: [sum of currentTime, videos, pictures shown, pictures dropped]. */
    static List<double[]> sample(List<ChromeDriver> browsers) {
        List<double[]> out = new ArrayList<>();
        for (ChromeDriver d : browsers) {
            @SuppressWarnings("unchecked")
            Map<String, Number> m = (Map<String, Number>) d.executeScript("""
                    let t = 0, n = 0, shown = 0, dropped = 0;
                    for (const v of document.querySelectorAll('video')) {
                      n++; t += v.currentTime;
                      const q = v.getVideoPlaybackQuality();
                      shown += q.totalVideoFrames; dropped += q.droppedVideoFrames;
                    }
                    return {t, n, shown, dropped};
                    """);
            out.add(new double[] {m.get("t").doubleValue(), m.get("n").doubleValue(), m.get("shown").doubleValue(),
                    m.get("dropped").doubleValue()});
        }
        return out;
    }

    /**
     * "BROWSERS kind played seconds-per-tile wall-seconds decoded dropped" lines per kind. Media time is
     * summed over the tiles; a live tile that jumped ahead to the live edge counts its jump too, so the
     * live figure is an upper bound on what was shown (the dropped share says more). A page whose tiles
     * reconnected (new video elements) counts from their new start: an undercount.
     */
    static void report(List<double[]> first, List<double[]> last, double wall, int live) {
        for (String kind : new String[] {"live", "playback"}) {
            double played = 0;
            double videos = 0;
            double shown = 0;
            double dropped = 0;
            int n = 0;
            for (int i = 0; i < first.size(); i++) {
                if ((i < live) != kind.equals("live")) {
                    continue;
                }
                n++;
                double[] a = first.get(i);
                double[] b = last.get(i);
                // a tile that reconnected has a new <video> whose counts start at 0: count from there
                boolean restarted = b[2] < a[2];
                played += restarted ? b[0] : b[0] - a[0];
                videos += b[1];
                shown += restarted ? b[2] : b[2] - a[2];
                dropped += restarted ? b[3] : b[3] - a[3];
            }
            if (n > 0) {
                System.out.printf("BROWSERS %s %d %.0f %.1f %.1f %.0f %.0f%n", kind, n, videos,
                        videos > 0 ? played / videos : 0, wall, shown, dropped);
            }
        }
    }
}
