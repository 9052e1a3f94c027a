package org.nvr.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvr.config.ConfigLoader;
import org.nvr.config.NvrConfig;
import org.nvr.index.IndexWriter;
import org.nvr.metrics.BasicAuth;
import org.nvr.metrics.MetricsServer;
import org.nvr.metrics.RecorderMetrics;
import org.nvr.web.live.LiveFeeds;

/**
 * The web server's connection caps are not silent: a connection closed as soon as accepted is counted
 * on the scrape by reason, so a technician can tell a wall of tiles behind one address (or a script
 * that never closes) from a network fault.
 */
class WebConnectionLimitTest {
    @TempDir
    Path dir;

    @Test
    void connectionsRefusedByTheCapsAreCountedByReason() throws Exception {
        NvrConfig config = ConfigLoader.parse("storage: { root: " + dir.resolve("storage") + " }\n"
                + "sites: [ { id: xa1, cameras: [ { id: c1, url: \"rtsp://cam/x\" } ] } ]\n"
                + "web:\n  listen: 127.0.0.1:0\n  users:\n    - {name: xem, role: viewer, password_hash: \""
                + BasicAuth.hash("xem-camera-1".toCharArray(), 1000) + "\"}\n", Map.of());
        RecorderMetrics metrics = new RecorderMetrics();
        try (IndexWriter writer = IndexWriter.open(config.storage().indexPath());
             WebServer server = WebServer.start(config, writer,
                     WebServer.Options.DEFAULT.withLimits(MetricsServer.Limits.DEFAULT.withConnections(3, 2)),
                     new LiveFeeds(List.of("c1"), LiveFeeds.Limits.DEFAULT, metrics.registry()));
             Socket first = connect(server, "127.0.0.1");
             Socket second = connect(server, "127.0.0.1")) {
            assertTrue(exchange(first).startsWith("HTTP/1.1 "), "within the caps: answered");
            assertTrue(exchange(second).startsWith("HTTP/1.1 "), "within the caps: answered");
            try (Socket third = connect(server, "127.0.0.1")) {
                assertClosedUnanswered(third, "a third from one address");
            }
            try (Socket other = connect(server, "127.0.0.2")) {
                assertTrue(exchange(other).startsWith("HTTP/1.1 "), "another address has room");
                try (Socket fourth = connect(server, "127.0.0.3")) {
                    assertClosedUnanswered(fourth, "a fourth in all");
                }
                try (Socket fifth = connect(server, "127.0.0.1")) {
                    assertClosedUnanswered(fifth, "a fifth, over both caps");
                }
            }
            String scrape = metrics.scrape();
            // over both caps counts once, as too many in all
            assertTrue(scrape.contains("nvr_web_connections_refused_total{reason=\"per_address\"} 1.0"), scrape);
            assertTrue(scrape.contains("nvr_web_connections_refused_total{reason=\"total\"} 2.0"), scrape);
            assertTrue(exchange(first).startsWith("HTTP/1.1 "), "the connections within the caps keep working");
        }
    }

    private static Socket connect(WebServer server, String from) throws IOException {
        Socket socket = new Socket();
        socket.bind(new InetSocketAddress(from, 0));
        socket.connect(new InetSocketAddress("127.0.0.1", URI.create(server.url()).getPort()), 5_000);
        socket.setSoTimeout(5_000);
        return socket;
    }

    /** Sends a request for the login page on a kept-alive connection; returns the answer's status line. */
    private static String exchange(Socket socket) throws IOException {
        socket.getOutputStream().write("GET /login HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        InputStream in = socket.getInputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed in the headers: " + head);
            }
            head.append((char) b);
        }
        String headers = head.toString();
        int length = headers.lines().filter(l -> l.toLowerCase().startsWith("content-length:"))
                .mapToInt(l -> Integer.parseInt(l.split(":", 2)[1].trim())).findFirst().orElse(0);
        assertEquals(length, in.readNBytes(length).length, "the whole body");
        return headers;
    }

    /** Closed without an answer: end of stream, or a reset (the request was unread when it closed). */
    private static void assertClosedUnanswered(Socket socket, String which) throws IOException {
        try {
            socket.getOutputStream().write("GET /login HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertEquals(-1, socket.getInputStream().read(), which + ": closed unanswered");
        } catch (SocketException e) {
            assertTrue(String.valueOf(e.getMessage()).toLowerCase().contains("reset")
                    || String.valueOf(e.getMessage()).contains("Broken pipe"), which + ": " + e);
        }
    }
}
