package org.nvr.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real S3 API server for a test: S3Proxy 2.6.0 (copied to {@code target/s3proxy/s3proxy.jar} by the
 * build, never on the test classpath) run as its own {@code java -jar} process, with its filesystem
 * backend in a directory of the test, on a free loopback port, with one access key and secret. It can be
 * stopped and started again on the same port and data (a network loss, a server restart). Output goes
 * to {@code s3proxy.log} in the data directory's parent. {@link #close()} kills it; safe twice.
 */
public final class S3ProxyServer implements AutoCloseable {
    public static final String ACCESS_KEY = "nvr-test-access";
    public static final String SECRET_KEY = "nvr-test-secret-0123456789";

    private final Path dir;
    private final int port;
    private Process process;

    private S3ProxyServer(Path dir, int port) {
        this.dir = dir;
        this.port = port;
    }

    /** Starts a server keeping its buckets under {@code dir/data}. */
    public static S3ProxyServer start(Path dir) throws IOException, InterruptedException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        S3ProxyServer server = new S3ProxyServer(dir, port);
        server.start();
        return server;
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    public Path data() {
        return dir.resolve("data");
    }

    /** Starts the process (again) on the same port and data; returns once it answers. */
    public void start() throws IOException, InterruptedException {
        if (process != null && process.isAlive()) {
            return;
        }
        Path jar = jar();
        Files.createDirectories(data());
        Path conf = dir.resolve("s3proxy.conf");
        Files.writeString(conf, String.join("\n",
                "s3proxy.endpoint=" + endpoint(),
                "s3proxy.authorization=aws-v2-or-v4",
                "s3proxy.identity=" + ACCESS_KEY,
                "s3proxy.credential=" + SECRET_KEY,
                "jclouds.provider=filesystem",
                "jclouds.filesystem.basedir=" + data(),
                ""));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        process = new ProcessBuilder(List.of(java, "-Xmx256m", "-XX:TieredStopAtLevel=1", "-jar", jar.toString(),
                "--properties", conf.toString()))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("s3proxy.log").toFile()))
                .start();
        Poll.until(Duration.ofSeconds(60), "S3Proxy listening on " + port, () -> {
            if (!process.isAlive()) {
                throw new AssertionError("S3Proxy exited with " + process.exitValue() + "; see " + dir.resolve("s3proxy.log"));
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return true;
            } catch (IOException e) {
                return false;
            }
        });
    }

    /**
     * The fat jar: copied by recorder-core's build into its {@code target/s3proxy/} (from this module or
     * from recorder-cli next to it), else Maven's local repository, where that copy resolved it from.
     */
    private static Path jar() {
        List<Path> candidates = List.of(Path.of("target/s3proxy/s3proxy.jar"),
                Path.of("../recorder-core/target/s3proxy/s3proxy.jar"),
                Path.of(System.getProperty("user.home"), ".m2/repository/org/gaul/s3proxy/2.6.0/"
                        + "s3proxy-2.6.0-jar-with-dependencies.jar"));
        for (Path p : candidates) {
            if (Files.isRegularFile(p)) {
                return p.toAbsolutePath();
            }
        }
        throw new AssertionError("no S3Proxy jar at " + candidates + ": recorder-core's build copies it "
                + "(maven-dependency-plugin, phase generate-test-resources); run the tests through Maven");
    }

    /** Kills the process (a crash or a cut link, not a clean stop) and waits for it to be gone. */
    public void stop() throws InterruptedException {
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            throw new AssertionError("S3Proxy did not die within 20 s");
        }
        process = null;
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
