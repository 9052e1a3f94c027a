import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;
import org.nvr.config.ReplicationConfig;
import org.nvr.index.EvidenceLog;
import org.nvr.index.IndexWriter;
import org.nvr.replication.ReplicationQueue;
import org.nvr.replication.ReplicationStatus;
import org.nvr.replication.Replicator;
import org.nvr.store.SegmentPaths;

/**
 * Replication under a bandwidth cap against a real S3 API server (S3Proxy, started by replication.sh):
 * the real upload throughput of held footage under {@code max_rate}, and the recovery after a network
 * loss (the link cut mid-upload: every connection reset and new ones refused, back after DOWN
 * seconds): from the link's return to the first byte sent again, and to the queue empty. The link is a
 * TCP relay in this process between the replicator and the server. A measurement, not a test: it
 * asserts nothing.
 *
 *   java -cp nvr.jar bench/ReplicationBench.java ENDPOINT ACCESS SECRET WORKDIR RATE_BYTES_PER_S [DOWN_S=10]
 */
public class ReplicationBench {
    static final Instant T0 = Instant.parse("2026-11-29T07:00:00Z");

    public static void main(String[] a) throws Exception {
        URI endpoint = URI.create(a[0]);
        Path work = Path.of(a[3]);
        long rate = Long.parseLong(a[4]);
        int down = a.length > 5 ? Integer.parseInt(a[5]) : 10;
        Link link = new Link(endpoint.getPort());
        ReplicationConfig config = new ReplicationConfig(URI.create("http://127.0.0.1:" + link.port), "bench", "us-east-1", a[1], a[2], "bench/",
                ReplicationConfig.Copy.HOLDS, List.of(), OptionalLong.of(rate), Optional.empty());
        Path root = work.resolve("nvr");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (IndexWriter index = IndexWriter.open(root.resolve("index.db"))) {
            new ReplicationQueue(index).configure(true, List.of());
            // phase 1: two 4 MB segments (one PUT each) under the cap
            long bytes1 = segment(index, root, T0, 4_000_000) + segment(index, root, T0.plusSeconds(60), 4_000_000);
            hold(index, T0, T0.plusSeconds(120));
            try (Replicator r = new Replicator(config, root, index, registry)) {
                long began = System.nanoTime();
                r.start();
                waitEmpty(index, Duration.ofMinutes(5));
                double s = (System.nanoTime() - began) / 1e9;
                System.out.printf("throughput: %d bytes in %.1f s = %.0f bytes/s = %.2f Mbit/s under a cap of %.2f Mbit/s "
                        + "(%.0f%% of the cap)%n", bytes1, s, bytes1 / s, bytes1 * 8 / s / 1e6, rate * 8 / 1e6,
                        100 * bytes1 / s / rate);
            }
            // phase 2: a 20 MB segment (multipart, 8 MiB parts); the server dies 10 s in and is back DOWN s later
            long bytes2 = segment(index, root, T0.plusSeconds(3600), 20_000_000);
            hold(index, T0.plusSeconds(3600), T0.plusSeconds(3660));
            SimpleMeterRegistry reg2 = new SimpleMeterRegistry();
            try (Replicator r = new Replicator(config, root, index, reg2)) {
                long began = System.nanoTime();
                r.start();
                Thread.sleep(10_000);
                link.cut();
                long killedAt = System.nanoTime();
                double sentBefore = sent(reg2);
                Thread.sleep(down * 1000L);
                link.restore();
                long back = System.nanoTime();
                double sentAtReturn = sent(reg2);
                while (sent(reg2) <= sentAtReturn && System.nanoTime() - back < 600e9) {
                    Thread.sleep(20);
                }
                double firstByte = (System.nanoTime() - back) / 1e9;
                waitEmpty(index, Duration.ofMinutes(10));
                double done = (System.nanoTime() - back) / 1e9;
                double total = (System.nanoTime() - began) / 1e9;
                System.out.printf("network loss: link cut %.1f s into a %d-byte upload (%.0f bytes sent by then), down %d s;"
                        + " after the link returned: first byte sent again in %.1f s, queue empty in %.1f s"
                        + " (%.1f s in all; %.0f bytes sent in all = %.0f%% of the object)%n",
                        (killedAt - began) / 1e9, bytes2, sentBefore, down, firstByte, done, total, sent(reg2),
                        100 * sent(reg2) / bytes2);
            }
        }
    }

    /** A TCP relay on a fixed loopback port to the server; cut() resets every connection and refuses new ones. */
    static final class Link {
        final int port;
        final int target;
        volatile java.net.ServerSocket listener;
        final java.util.Set<java.net.Socket> open = java.util.concurrent.ConcurrentHashMap.newKeySet();

        Link(int target) throws Exception {
            this.target = target;
            try (java.net.ServerSocket s = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
                port = s.getLocalPort();
            }
            restore();
        }

        void restore() throws Exception {
            java.net.ServerSocket l = new java.net.ServerSocket();
            l.setReuseAddress(true);
            l.bind(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), port));
            listener = l;
            Thread t = new Thread(() -> {
                while (!l.isClosed()) {
                    try {
                        java.net.Socket in = l.accept();
                        java.net.Socket out = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), target);
                        open.add(in);
                        open.add(out);
                        pump(in, out);
                        pump(out, in);
                    } catch (java.io.IOException e) {
                        return;
                    }
                }
            }, "link-accept");
            t.setDaemon(true);
            t.start();
        }

        void pump(java.net.Socket from, java.net.Socket to) {
            Thread t = new Thread(() -> {
                byte[] buf = new byte[16384];
                try (var i = from.getInputStream(); var o = to.getOutputStream()) {
                    int n;
                    while ((n = i.read(buf)) > 0) {
                        o.write(buf, 0, n);
                    }
                } catch (java.io.IOException e) {
                    // cut
                } finally {
                    close(from);
                    close(to);
                }
            }, "link-pump");
            t.setDaemon(true);
            t.start();
        }

        void cut() throws Exception {
            listener.close();
            for (java.net.Socket s : open) {
                try {
                    s.setSoLinger(true, 0); // RST, as a lost link looks to the sender
                } catch (java.io.IOException e) {
                    // closed already
                }
                close(s);
            }
            open.clear();
        }

        static void close(java.net.Socket s) {
            try {
                s.close();
            } catch (java.io.IOException e) {
                // nothing to do
            }
        }
    }

    static double sent(SimpleMeterRegistry r) {
        return r.get("nvr.replication.uploaded.bytes").functionCounter().count();
    }

    static void waitEmpty(IndexWriter index, Duration max) throws Exception {
        long deadline = System.nanoTime() + max.toNanos();
        while (System.nanoTime() < deadline) {
            ReplicationStatus s = index.submit(ReplicationStatus::read).get();
            if (s.pendingObjects() == 0) {
                return;
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("queue not empty after " + max);
    }

    static long segment(IndexWriter index, Path root, Instant start, int size) throws Exception {
        String rel = SegmentPaths.newSegment(root, "s1", "c1", start);
        Path file = root.resolve(rel);
        SegmentPaths.createParents(root, file);
        byte[] b = new byte[size];
        new Random(start.getEpochSecond()).nextBytes(b);
        Files.write(file, b);
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        long id = index.openSegment(null, "s1", "c1", rel, start, "h264", 1920, 1080, null).get();
        index.closeSegment(id, start.plusSeconds(60), Duration.ofSeconds(60), size, 1500L, sha).get();
        return size;
    }

    static void hold(IndexWriter index, Instant from, Instant to) throws Exception {
        index.submit(c -> EvidenceLog.hold(c, "s1", "c1", from, to, "bench", "bench", Instant.now())).get();
    }
}
