package org.nvr.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvr.cli.systemd.NotifySocket;
import org.nvr.sim.RtspCameraSimulator;
import org.nvr.sim.SyntheticClip;
import org.nvr.testing.FakeDnsServer;

/**
 * The systemd watchdog of a real {@code nvr run} child while cameras are offline the usual way: one
 * whose address drops connection attempts (a switched-off modem: no answer, not a refusal) and one
 * known by name whose name server never answers, beside one that records. Over 20 s the pings never
 * stop for as long as {@code WatchdogSec}, which would have made systemd restart the whole recorder.
 */
class WatchdogOfflineCamerasTest {
    /** WatchdogSec as the child sees it: a ping every 1 s, a restart after 2 s without one. */
    static final long WATCHDOG_USEC = 2_000_000;

    @TempDir
    Path dir;

    Process daemon;

    @AfterEach
    void cleanUp() {
        if (daemon != null) {
            daemon.destroyForcibly();
        }
    }

    @Test
    void offlineCamerasNeverStarveTheWatchdog() throws Exception {
        SyntheticClip clip = SyntheticClip.generate(320, 240, 25, 25, 50, 300_000);
        List<Socket> queued = new ArrayList<>();
        try (RtspCameraSimulator sim = new RtspCameraSimulator();
             ServerSocket hole = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             FakeDnsServer dns = FakeDnsServer.silent();
             NotifySocket systemd = NotifySocket.abstractName()) {
            fillAcceptQueue(hole, queued);
            sim.addCamera("a", clip);
            sim.start();
            Path config = Files.writeString(dir.resolve("nvr.yaml"), """
                    storage: { root: %s, segment_seconds: 60 }
                    metrics: { listen: "127.0.0.1:0" }
                    sites:
                      - id: site
                        cameras:
                          - { id: cam-ok, url: "%s" }
                          - { id: cam-off, url: "rtsp://127.0.0.1:%d/live" }
                          - { id: cam-named, url: "rtsp://cam-named.ddns.example/live" }
                    """.formatted(dir.resolve("footage"), sim.url("a"), hole.getLocalPort()));
            Path log = dir.resolve("daemon.log");
            ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), "-Dnvr.test.hang-dir=" + dir,
                    "-Dnvr.test.hang-after=PT50S",
                    "-Dnvr.test.name-server=127.0.0.1:" + dns.address().getPort(),
                    HangableNvr.class.getName(), "run", "--config", config.toString())
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().put("NOTIFY_SOCKET", systemd.name());
            pb.environment().put("WATCHDOG_USEC", Long.toString(WATCHDOG_USEC));
            daemon = pb.start();

            NotifySocket.Message ready = systemd.await("READY=1", Duration.ofSeconds(60));
            long from = ready.nanos();
            DaemonLifecycleTest.await(Duration.ofSeconds(40), "20 s of watchdog after READY",
                    () -> System.nanoTime() - from > Duration.ofSeconds(20).toNanos());

            List<Long> pings = systemd.messages().stream().filter(m -> m.has("WATCHDOG=1"))
                    .map(NotifySocket.Message::nanos).toList();
            long longestGap = 0;
            for (int i = 1; i < pings.size(); i++) {
                longestGap = Math.max(longestGap, pings.get(i) - pings.get(i - 1));
            }
            String text = Files.readString(log);
            assertTrue(pings.size() >= 15, pings.size() + " pings in 20 s\n" + text);
            assertTrue(longestGap < TimeUnit.MICROSECONDS.toNanos(WATCHDOG_USEC) * 3 / 4,
                    "longest gap between pings " + longestGap / 1_000_000 + " ms\n" + text);
            assertTrue(systemd.messages().stream().noneMatch(m -> m.text().startsWith("STATUS=not alive")), text);
            assertTrue(text.contains("cam-off: timeout"), text);
            assertTrue(text.contains("cam-named: unreachable (dns: cam-named.ddns.example"), text);
            assertTrue(dns.queries() >= 2, "the name was asked for again: " + dns.queries());

            daemon.destroy(); // SIGTERM
            assertTrue(daemon.waitFor(10, TimeUnit.SECONDS), "exited within 10 s of SIGTERM");
            assertEquals(0, daemon.exitValue(), Files.readString(log));
        } finally {
            for (Socket s : queued) {
                s.close();
            }
        }
    }

    /** Connects to {@code server} (never accepting) until its accept queue is full and SYNs are dropped. */
    static void fillAcceptQueue(ServerSocket server, List<Socket> queued) throws IOException {
        for (int i = 0; i < 16; i++) {
            Socket s = new Socket();
            try {
                s.connect(server.getLocalSocketAddress(), 300);
                queued.add(s);
            } catch (SocketTimeoutException e) {
                s.close();
                return;
            }
        }
        throw new AssertionError("the accept queue of port " + server.getLocalPort() + " never filled");
    }
}
