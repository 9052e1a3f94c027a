package org.nvr.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The browser harness itself: Debian's chromium renders a loopback page and runs its script. */
class BrowserTest {

    @Test
    void rendersALoopbackPageAndRunsItsScript(@TempDir Path dir) throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        byte[] page = "<!doctype html><title>t</title><p id=p>x</p><script>document.getElementById('p').textContent = 6 * 7;</script>"
                .getBytes(StandardCharsets.UTF_8);
        server.createContext("/", ex -> {
            ex.getResponseHeaders().add("Content-Type", "text/html; charset=utf-8");
            ex.sendResponseHeaders(200, page.length);
            ex.getResponseBody().write(page);
            ex.close();
        });
        server.start();
        try (Browser browser = Browser.start(800, 600)) {
            browser.driver().get("http://127.0.0.1:" + server.getAddress().getPort() + "/");
            assertEquals("42", browser.js("return document.getElementById('p').textContent;"));
            Path png = dir.resolve("page.png");
            browser.screenshot(png);
            assertTrue(Files.size(png) > 100, "a PNG was written");
        } finally {
            server.stop(0);
        }
    }
}
