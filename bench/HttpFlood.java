import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Floods a recorder's /metrics with wrong Basic credentials from CLIENTS threads (each a keep-alive
 * connection, reconnecting when closed, never waiting for Retry-After) while one more client asks
 * /healthz every 20 ms, and prints /healthz latency percentiles before and during the flood and the
 * flood's answers by status. A measurement, not a test: it asserts nothing.
 *
 *   java bench/HttpFlood.java PORT SECONDS [CLIENTS=16] [SOURCES=1]
 *
 * SOURCES: how many loopback addresses the flooding clients come from (127.0.0.2, .3, ...), so the
 * per-address throttle meets one attacker (1) or many (16).
 */
public class HttpFlood {
    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        int seconds = Integer.parseInt(args[1]);
        int clients = args.length > 2 ? Integer.parseInt(args[2]) : 16;
        int sources = args.length > 3 ? Integer.parseInt(args[3]) : 1;
        InetSocketAddress target = new InetSocketAddress("127.0.0.1", port);

        List<Long> before = probe(target, 3_000, null);
        AtomicBoolean stop = new AtomicBoolean();
        Map<Integer, AtomicLong> statuses = new ConcurrentHashMap<>();
        List<Thread> flood = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            String source = "127.0.0." + (2 + i % sources);
            String request = "GET /metrics HTTP/1.1\r\nHost: nvr\r\nAuthorization: Basic " + Base64.getEncoder()
                    .encodeToString(("prometheus:guess-" + i).getBytes(StandardCharsets.UTF_8)) + "\r\n\r\n";
            Thread t = new Thread(() -> hammer(target, source, request, stop, statuses), "flood-" + i);
            t.setDaemon(true);
            t.start();
            flood.add(t);
        }
        List<Long> during = probe(target, seconds * 1000L, stop);
        for (Thread t : flood) {
            t.join(5_000);
        }
        System.out.printf("healthz before the flood: %s%n", summary(before));
        System.out.printf("healthz during the flood: %s%n", summary(during));
        System.out.printf("flood: %d clients from %d address(es) for %d s, answers by status %s%n",
                clients, sources, seconds, new TreeMap<>(statuses));
    }

    /** /healthz every 20 ms for {@code millis}; latencies in microseconds (-1: failed). */
    private static List<Long> probe(InetSocketAddress target, long millis, AtomicBoolean stopAfter) throws Exception {
        List<Long> latencies = new ArrayList<>();
        long end = System.nanoTime() + millis * 1_000_000;
        Socket socket = null;
        while (System.nanoTime() < end) {
            long start = System.nanoTime();
            try {
                if (socket == null) {
                    socket = new Socket();
                    socket.connect(target, 5_000);
                    socket.setSoTimeout(5_000);
                }
                String response = exchange(socket, "GET /healthz HTTP/1.1\r\nHost: nvr\r\n\r\n");
                latencies.add(response.startsWith("HTTP/1.1 200 ") ? (System.nanoTime() - start) / 1_000 : -1L);
            } catch (IOException e) {
                latencies.add(-1L);
                if (socket != null) {
                    socket.close();
                }
                socket = null;
            }
            Thread.sleep(20);
        }
        if (socket != null) {
            socket.close();
        }
        if (stopAfter != null) {
            stopAfter.set(true);
        }
        return latencies;
    }

    private static void hammer(InetSocketAddress target, String source, String request, AtomicBoolean stop,
                               Map<Integer, AtomicLong> statuses) {
        while (!stop.get()) {
            try (Socket socket = new Socket()) {
                socket.bind(new InetSocketAddress(source, 0));
                socket.connect(target, 5_000);
                socket.setSoTimeout(10_000);
                while (!stop.get()) {
                    int status = Integer.parseInt(exchange(socket, request).substring(9, 12));
                    statuses.computeIfAbsent(status, k -> new AtomicLong()).incrementAndGet();
                }
            } catch (IOException | RuntimeException e) {
                statuses.computeIfAbsent(0, k -> new AtomicLong()).incrementAndGet(); // 0: connection closed or failed
            }
        }
    }

    private static String summary(List<Long> latencies) {
        List<Long> ok = new ArrayList<>(latencies.stream().filter(l -> l >= 0).toList());
        Collections.sort(ok);
        long failed = latencies.size() - ok.size();
        if (ok.isEmpty()) {
            return "no answer (" + failed + " failed)";
        }
        return String.format("%d requests, p50 %.1f ms, p99 %.1f ms, max %.1f ms, %d not 200", latencies.size(),
                ok.get(ok.size() / 2) / 1000.0, ok.get(Math.min(ok.size() - 1, (int) Math.ceil(ok.size() * 0.99) - 1)) / 1000.0,
                ok.get(ok.size() - 1) / 1000.0, failed);
    }

    /** One request on a keep-alive connection; the response with its Content-Length body. */
    private static String exchange(Socket socket, String request) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(request.getBytes(StandardCharsets.US_ASCII));
        out.flush();
        InputStream in = socket.getInputStream();
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed");
            }
            head.write(b);
        }
        String headers = head.toString(StandardCharsets.US_ASCII);
        int length = headers.lines().filter(l -> l.toLowerCase().startsWith("content-length:"))
                .mapToInt(l -> Integer.parseInt(l.substring(15).strip())).findFirst().orElse(0);
        in.readNBytes(length);
        return headers;
    }
}
