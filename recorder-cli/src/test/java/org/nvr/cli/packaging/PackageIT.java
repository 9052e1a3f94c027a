package org.nvr.cli.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The installable packages, built by {@code packaging/build.sh} from the shaded jar (so this runs in
 * {@code integration-test}, after {@code package}): what the .deb installs, its unit judged by
 * {@code systemd-analyze verify} and {@code systemd-analyze security --offline=true} (exposure 1.5 at
 * most), the launcher, the tarball, and the package's install-upgrade-remove-purge life with the real
 * dpkg on an overlay of this machine, where footage must survive; and the installed package's daemon
 * serving the web pages from the jar (login, {@code /api/cameras}, a live WebSocket's first pictures).
 */
class PackageIT {
    static final double MAX_EXPOSURE = 1.5;
    static final Path MODULE = Path.of("").toAbsolutePath();
    static final Path REPO = MODULE.getParent();

    @TempDir
    static Path out;

    static Path deb;
    static Path tarball;
    static Path root;

    @BeforeAll
    static void buildAndExtract() throws Exception {
        // Where build.sh puts them by default, so 'mvn -B verify' leaves the checked packages behind.
        Result built = run(REPO, Map.of(), "sh", REPO.resolve("packaging/build.sh").toString(),
                "--jar", MODULE.resolve("target/nvr.jar").toString(), "--out", REPO.resolve("target/packages").toString());
        assertEquals(0, built.code(), built.output());
        List<String> paths = built.output().lines().filter(l -> l.startsWith("/")).toList();
        deb = Path.of(paths.stream().filter(p -> p.endsWith(".deb")).findFirst().orElseThrow());
        tarball = Path.of(paths.stream().filter(p -> p.endsWith(".tar.gz")).findFirst().orElseThrow());
        root = out.resolve("root");
        Result x = run(REPO, Map.of(), "dpkg-deb", "-x", deb.toString(), root.toString());
        assertEquals(0, x.code(), x.output());
    }

    @Test
    void debHoldsTheServiceTheLauncherAndTheConfiguration() throws Exception {
        assertTrue(Files.isExecutable(root.resolve("usr/bin/nvr")));
        assertEquals(Files.size(MODULE.resolve("target/nvr.jar")), Files.size(root.resolve("usr/share/nvr/nvr.jar")));
        for (String f : List.of("usr/lib/systemd/system/nvr.service", "usr/lib/sysusers.d/nvr.conf", "etc/nvr/nvr.yaml",
                "etc/nvr/credentials.env", "etc/default/nvr", "usr/share/doc/nvr/README.md")) {
            assertTrue(Files.isRegularFile(root.resolve(f)), f);
        }
        for (String part : List.of("grafana", "prometheus")) {
            if (Files.isDirectory(REPO.resolve("config").resolve(part))) {
                assertEquals(filesUnder(REPO.resolve("config").resolve(part)), filesUnder(root.resolve("usr/share/nvr").resolve(part)),
                        "config/" + part + " is shipped in /usr/share/nvr/" + part);
            }
        }
        assertEquals(Files.readString(REPO.resolve("systemd/nvr.service")),
                Files.readString(root.resolve("usr/lib/systemd/system/nvr.service")));

        Path control = out.resolve("control");
        assertEquals(0, run(REPO, Map.of(), "dpkg-deb", "-e", deb.toString(), control.toString()).code());
        assertEquals(List.of("/etc/nvr/nvr.yaml", "/etc/nvr/credentials.env", "/etc/default/nvr"),
                Files.readAllLines(control.resolve("conffiles")));
        String fields = Files.readString(control.resolve("control"));
        assertTrue(fields.contains("\nDepends: adduser, default-jre-headless (>= 2:1.17) | java17-runtime-headless\n"), fields);
        for (String script : List.of("postinst", "prerm", "postrm")) {
            assertTrue(Files.isExecutable(control.resolve(script)), script);
            assertEquals(0, run(REPO, Map.of(), "sh", "-n", control.resolve(script).toString()).code(), script);
        }
    }

    @Test
    void unitPassesSystemdAnalyzeVerify() throws Exception {
        Path system = withHostTargets();
        Result verify = run(REPO, Map.of(), "systemd-analyze", "verify", "--root=" + system, "nvr.service");
        assertEquals(0, verify.code(), verify.output());
        assertEquals("", verify.output().strip(), "systemd-analyze verify is clean");
    }

    @Test
    void unitExposureIsAtMostOnePointFive() throws Exception {
        Result security = run(REPO, Map.of(), "systemd-analyze", "security", "--offline=true", "--root=" + root,
                "--no-pager", "nvr.service");
        assertEquals(0, security.code(), security.output());
        Matcher m = Pattern.compile("Overall exposure level for nvr\\.service: (\\d+\\.\\d+)").matcher(security.output());
        assertTrue(m.find(), security.output());
        double exposure = Double.parseDouble(m.group(1));
        System.out.printf("systemd-analyze security --offline=true: exposure %.1f%n", exposure);
        assertTrue(exposure <= MAX_EXPOSURE, "exposure " + exposure + " > " + MAX_EXPOSURE + "\n" + security.output());
    }

    @Test
    void launcherRunsTheInstalledJar() throws Exception {
        Result version = run(REPO, Map.of(), root.resolve("usr/bin/nvr").toString(), "--version");
        assertEquals(0, version.code(), version.output());
        assertTrue(version.output().startsWith("nvr 0."), version.output());

        Path config = Files.writeString(out.resolve("nvr.yaml"), Files.readString(root.resolve("etc/nvr/nvr.yaml")));
        Result check = run(REPO, Map.of("CAM01_USER", "admin", "CAM01_PASS", "pw", "CAM02_USER", "admin", "CAM02_PASS", "pw",
                "CHO2_USER", "admin", "CHO2_PASS", "pw"), root.resolve("usr/bin/nvr").toString(), "check-config", "--config",
                config.toString());
        assertEquals(0, check.code(), check.output());
        assertTrue(check.output().contains("footage in /var/lib/nvr"), "the example records into the StateDirectory: "
                + check.output());
    }

    @Test
    void launcherAddsNvrJavaOptsFromTheEnvironment() throws Exception {
        // bench/compare.sh passes its flags this way; the launcher used to reset them before reading /etc/default/nvr.
        Result version = run(REPO, Map.of("NVR_JAVA_OPTS", "-XX:+PrintCommandLineFlags"), root.resolve("usr/bin/nvr").toString(),
                "--version");
        assertEquals(0, version.code(), version.output());
        assertTrue(version.output().contains("-XX:+PrintCommandLineFlags"), version.output());
        assertTrue(version.output().contains("-XX:MaxHeapSize=536870912"), version.output());
    }

    @Test
    void tarballHoldsTheSameFilesAsTheDeb() throws Exception {
        Result list = run(REPO, Map.of(), "tar", "-tzf", tarball.toString());
        assertEquals(0, list.code(), list.output());
        Set<String> inTar = new TreeSet<>();
        list.output().lines().filter(l -> !l.endsWith("/")).map(l -> l.replaceFirst("^\\./", "")).forEach(inTar::add);
        assertEquals(filesUnder(root), inTar);
    }

    @Test
    void installUpgradeRemovePurgeKeepFootage() throws Exception {
        Result second = run(REPO, Map.of(), "sh", REPO.resolve("packaging/build.sh").toString(), "--jar",
                MODULE.resolve("target/nvr.jar").toString(), "--out", out.resolve("second").toString(), "--version", "99.0.0");
        assertEquals(0, second.code(), second.output());
        Path secondDeb = Path.of(second.output().lines().filter(l -> l.endsWith(".deb")).findFirst().orElseThrow());
        Path script = Path.of(PackageIT.class.getResource("/packaging/lifecycle.sh").toURI());
        Result life = run(REPO, Map.of(), "unshare", "--mount", "--fork", "sh", script.toString(), "outer",
                out.resolve("overlay").toString(), deb.toString(), secondDeb.toString());
        System.out.println(life.output());
        assertEquals(0, life.code(), life.output());
        assertTrue(life.output().contains("installed: 99.0.0"), life.output());
        assertTrue(life.output().strip().endsWith("PASS"), life.output());
    }

    /**
     * The package installed with dpkg on an overlay of this machine ({@code web.sh}), configured with a
     * simulated camera and a web user, runs {@code nvr run} as the nvr user: its login page and assets come
     * from the installed jar, the configured user logs in, {@code /api/cameras} lists the camera recording,
     * and a live WebSocket gets the MSE type and then the init segment.
     */
    @Test
    void installedDaemonServesTheWebPages() throws Exception {
        String password = "canbo-mat-khau";
        int webPort = freePort();
        int metricsPort = freePort();
        Path script = Path.of(PackageIT.class.getResource("/packaging/web.sh").toURI());
        try (org.nvr.sim.RtspCameraSimulator sim = new org.nvr.sim.RtspCameraSimulator()) {
            sim.addCamera("cam", org.nvr.sim.SyntheticClip.generate(320, 240, 25, 25, 100, 300_000));
            sim.start();
            Process p = new ProcessBuilder("unshare", "--mount", "--fork", "sh", script.toString(), "outer",
                    out.resolve("web-overlay").toString(), deb.toString(), sim.url("cam"), Integer.toString(webPort),
                    Integer.toString(metricsPort), org.nvr.metrics.BasicAuth.hash(password.toCharArray(), 1000))
                    .directory(REPO.toFile()).redirectErrorStream(true).start();
            StringBuffer said = new StringBuffer();
            Thread reader = new Thread(() -> {
                try (var lines = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    lines.lines().forEach(l -> said.append(l).append('\n'));
                } catch (IOException e) {
                    said.append("(reading: ").append(e).append(")\n");
                }
            }, "web.sh output");
            reader.start();
            String base = "http://127.0.0.1:" + webPort + "/";
            java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder()
                    .connectTimeout(java.time.Duration.ofSeconds(5)).build();
            try {
                org.nvr.testing.Poll.until(java.time.Duration.ofSeconds(180), "the installed daemon's login page", () -> {
                    if (!p.isAlive()) {
                        throw new AssertionError("web.sh ended: " + said);
                    }
                    var r = get(http, base, null);
                    return r != null && r.statusCode() == 200 && r.body().contains("action=\"/login\"");
                });
                var asset = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "assets/wall.js"))
                        .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
                assertEquals(200, asset.statusCode(), "the wall's script from the installed jar");
                var login = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "login"))
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString("username=canbo1&password=" + password))
                        .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
                assertEquals(303, login.statusCode(), login.body());
                String cookie = login.headers().allValues("Set-Cookie").stream().filter(c -> c.startsWith("nvr_session="))
                        .findFirst().orElseThrow().split(";")[0];
                org.nvr.testing.Poll.until(java.time.Duration.ofSeconds(60), "cam-01 recording in /api/cameras", () -> {
                    var cams = get(http, base + "api/cameras", cookie);
                    return cams != null && cams.statusCode() == 200 && cams.body().contains("\"cam-01\"")
                            && cams.body().contains("\"recording\"");
                });
                var ws = org.nvr.testing.WsClient.open("http://127.0.0.1:" + webPort + "/", "/live/cam-01", cookie);
                List<Object> messages = ws.messages;
                org.nvr.testing.Poll.until(java.time.Duration.ofSeconds(30), "the live view's first pictures",
                        () -> messages.size() >= 3);
                ws.abort();
                assertTrue(messages.get(0) instanceof String s && s.startsWith("video/mp4; codecs=\"avc1."),
                        String.valueOf(messages.get(0)));
                byte[] init = (byte[]) messages.get(1);
                assertEquals("ftyp", new String(init, 4, 4, StandardCharsets.US_ASCII), "the init segment first");
                assertTrue(messages.get(2) instanceof byte[], "then a media fragment");
            } finally {
                p.getOutputStream().close(); // web.sh stops the daemon
                if (!p.waitFor(60, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
                reader.join(10_000);
            }
            assertTrue(said.toString().contains("STOPPED 0"), "the daemon stopped cleanly: " + said);
        }
    }

    /** GET with an optional cookie; null when the server does not answer (yet). */
    private static java.net.http.HttpResponse<String> get(java.net.http.HttpClient http, String url, String cookie) {
        var b = java.net.http.HttpRequest.newBuilder(java.net.URI.create(url)).timeout(java.time.Duration.ofSeconds(10));
        if (cookie != null) {
            b.header("Cookie", cookie);
        }
        try {
            return http.send(b.build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    private static int freePort() throws IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /**
     * The installed tree (hard links) plus this machine's targets and slices: {@code systemd-analyze
     * --root=} resolves what the unit names (sysinit.target, network-online.target...) inside the root.
     */
    private static Path withHostTargets() throws IOException, InterruptedException {
        Path host = Files.isDirectory(Path.of("/usr/lib/systemd/system")) ? Path.of("/usr/lib/systemd/system")
                : Path.of("/lib/systemd/system");
        assertTrue(Files.isDirectory(host), "systemd is not installed here (.ci/run installs it)");
        Path system = out.resolve("system");
        assertEquals(0, run(REPO, Map.of(), "cp", "-al", root.toString(), system.toString()).code());
        Path units = system.resolve("usr/lib/systemd/system");
        try (Stream<Path> files = Files.list(host)) {
            for (Path unit : files.filter(p -> p.toString().endsWith(".target") || p.toString().endsWith(".slice")).toList()) {
                Path copy = units.resolve(unit.getFileName().toString());
                if (!Files.exists(copy) && Files.isRegularFile(unit)) {
                    Files.copy(unit, copy);
                }
            }
        }
        return system;
    }

    private static Set<String> filesUnder(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            Set<String> names = new TreeSet<>();
            files.filter(Files::isRegularFile).forEach(f -> names.add(dir.relativize(f).toString()));
            return names;
        }
    }

    record Result(int code, String output) {
    }

    private static Result run(Path dir, Map<String, String> env, String... command) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        byte[] bytes = p.getInputStream().readAllBytes();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + String.join(" ", command));
        }
        return new Result(p.exitValue(), new String(bytes, StandardCharsets.UTF_8));
    }
}
