package org.nvr.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvr.config.ConfigLoader;
import org.nvr.index.IndexWriter;
import org.nvr.metrics.BasicAuth;
import org.nvr.metrics.MetricsServer;
import org.nvr.testing.Browser;
import org.nvr.testing.Poll;
import org.openqa.selenium.By;

/**
 * The login form and the page's own POSTs in a real browser (Debian's chromium): what the browser
 * sends as {@code Origin} depends on the page's referrer policy, which no HTTP-client test sees.
 * Under {@code Referrer-Policy: no-referrer} Chromium sends {@code Origin: null} with same-origin form
 * posts and the server refused every login as cross-origin.
 */
class BrowserLoginTest {
    private static final String PASSWORD = "quan-tri-vien";

    @TempDir
    Path dir;

    private IndexWriter writer;
    private WebServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        if (writer != null) {
            writer.close();
        }
    }

    @Test
    void aBrowserLogsInThroughTheFormAndOutAgain() throws Exception {
        var config = ConfigLoader.parse("storage: { root: " + dir + " }\n"
                + "sites: [ { id: xa1, cameras: [ { id: c1, url: \"rtsp://cam/x\" } ] } ]\n"
                + "web:\n  listen: 127.0.0.1:0\n  users:\n"
                + "    - {name: truong, role: admin, password_hash: \"" + BasicAuth.hash(PASSWORD.toCharArray(), 1000) + "\"}\n",
                Map.of());
        writer = IndexWriter.open(config.storage().indexPath());
        server = WebServer.start(config, writer, WebServer.Options.DEFAULT
                .withLimits(MetricsServer.Limits.DEFAULT.withRefusalDelay(Duration.ZERO)));
        try (Browser browser = Browser.start(1024, 768)) {
            browser.driver().get(server.url());
            browser.driver().findElement(By.name("username")).sendKeys("truong");
            browser.driver().findElement(By.name("password")).sendKeys(PASSWORD);
            browser.driver().findElement(By.cssSelector("form[action='/login'] button")).click();
            Poll.until(Duration.ofSeconds(15), "the page behind the login", () ->
                    browser.driver().getPageSource().contains("action=\"/logout\""));
            assertEquals(server.url(), browser.driver().getCurrentUrl());
            assertNotNull(browser.driver().manage().getCookieNamed(WebHandler.COOKIE));
            assertTrue(browser.driver().getPageSource().contains("truong"));

            browser.driver().findElement(By.cssSelector("form[action='/logout'] button")).click();
            Poll.until(Duration.ofSeconds(15), "the login form again", () ->
                    browser.driver().getPageSource().contains("action=\"/login\""));
            assertNull(browser.driver().manage().getCookieNamed(WebHandler.COOKIE), "logged out");
        }
    }

    /**
     * The language picked on the login page ({@code ?lang=en}) holds after the login (the redirect to
     * {@code /} carries no parameter) and on every page; each page's switch changes it for the next pages.
     */
    @Test
    void theLanguagePickedOnTheLoginPageHoldsAfterTheLoginAndEveryPageSwitchesIt() throws Exception {
        var config = ConfigLoader.parse("storage: { root: " + dir + " }\n"
                + "sites: [ { id: xa1, cameras: [ { id: c1, url: \"rtsp://cam/x\" } ] } ]\n"
                + "web:\n  listen: 127.0.0.1:0\n  users:\n"
                + "    - {name: truong, role: admin, password_hash: \"" + BasicAuth.hash(PASSWORD.toCharArray(), 1000) + "\"}\n",
                Map.of());
        writer = IndexWriter.open(config.storage().indexPath());
        server = WebServer.start(config, writer, WebServer.Options.DEFAULT
                .withLimits(MetricsServer.Limits.DEFAULT.withRefusalDelay(Duration.ZERO)));
        try (Browser browser = Browser.start(1024, 768)) {
            browser.driver().get(server.url() + "?lang=en");
            assertEquals("en", pageLanguage(browser));
            browser.driver().findElement(By.name("username")).sendKeys("truong");
            browser.driver().findElement(By.name("password")).sendKeys(PASSWORD);
            browser.driver().findElement(By.cssSelector("form[action^='/login'] button")).click();
            Poll.until(Duration.ofSeconds(15), "the page behind the login", () ->
                    browser.driver().getPageSource().contains("action=\"/logout\""));
            assertEquals(server.url(), browser.driver().getCurrentUrl());
            assertEquals("en", pageLanguage(browser), "the wall after logging in from the English login page");
            for (String page : List.of("app/timeline?camera=c1", "app/uptime", "app/about")) {
                browser.driver().get(server.url() + page);
                assertEquals("en", pageLanguage(browser), page);
            }

            // Every page has a switch to the other language, and the choice holds for the pages after it.
            for (String page : List.of("", "app/timeline?camera=c1", "app/uptime", "app/about")) {
                String other = pageLanguage(browser).equals("en") ? "vi" : "en";
                browser.driver().get(server.url() + page);
                switchLanguage(browser, other);
                assertEquals(other, pageLanguage(browser), "after the switch on /" + page);
                browser.driver().get(server.url());
                assertEquals(other, pageLanguage(browser), "the wall after the switch on /" + page);
            }
        }
    }

    private static String pageLanguage(Browser browser) throws InterruptedException {
        Poll.until(Duration.ofSeconds(15), "the page loaded", () ->
                "complete".equals(browser.js("return document.readyState;")));
        return (String) browser.js("return document.documentElement.lang;");
    }

    private static void switchLanguage(Browser browser, String to) throws InterruptedException {
        Poll.until(Duration.ofSeconds(15), "a switch to " + to, () -> !browser.driver()
                .findElements(By.cssSelector("a.lang-switch[href*='lang=" + to + "']")).isEmpty());
        String before = browser.driver().getCurrentUrl();
        browser.driver().findElement(By.cssSelector("a.lang-switch[href*='lang=" + to + "']")).click();
        Poll.until(Duration.ofSeconds(15), "the page in " + to, () -> !browser.driver().getCurrentUrl().equals(before)
                && to.equals(browser.js("return document.readyState === 'complete' && document.documentElement.lang;")));
    }
}
