package org.nvr.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvr.testing.Browser;
import org.nvr.testing.Poll;
import org.openqa.selenium.By;
import picocli.CommandLine;

/**
 * What the README promises of {@code nvr demo}: it prints the pages' address and a login made for the run,
 * and with them a browser (Debian's chromium) sees the live wall with the demo's cameras playing.
 */
class DemoWallBrowserTest {
    private static final Pattern PAGES = Pattern.compile("pages:   (http://127\\.0\\.0\\.1:\\d+/) \\(user (\\w+), password ([a-z0-9]{12});");
    /** The demo's clip ({@code SyntheticClip.demo()}); encoding it takes the demo a while on a busy machine. */
    private static final long DEMO_WIDTH = 640;

    @TempDir
    Path root;

    @Test
    void theDemoPrintsItsPagesAndLoginAndTheWallPlaysItsCameras() throws Exception {
        String[] args = {"demo", "--cameras", "2", "--duration", "25s", "--root", root.toString()};
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine(args);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        CompletableFuture<Integer> demo = CompletableFuture.supplyAsync(() -> cl.execute(args));
        try {
            Poll.until(Duration.ofSeconds(120), "the demo prints its pages' address and login", () ->
                    PAGES.matcher(out.toString()).find() || demo.isDone());
            Matcher m = PAGES.matcher(out.toString());
            assertFalse(demo.isDone() && !m.find(0), "the demo ended early: " + out + err);
            m.find(0);
            try (Browser browser = Browser.start(1280, 800)) {
                var d = browser.driver();
                d.get(m.group(1));
                d.findElement(By.id("username")).sendKeys(m.group(2));
                d.findElement(By.id("password")).sendKeys(m.group(3));
                d.findElement(By.cssSelector("form[action='/login'] button")).click();
                for (String camera : List.of("demo-01", "demo-02")) {
                    String video = "document.querySelector('.tile[data-camera=\"" + camera + "\"] video')";
                    Poll.until(Duration.ofSeconds(20), camera + " plays on the wall", () -> number(browser,
                            "const v = " + video + "; return v ? v.currentTime : 0;") > 0.5);
                    double t0 = number(browser, "return " + video + ".currentTime;");
                    Poll.until(Duration.ofSeconds(10), camera + "'s picture moves on", () -> number(browser,
                            "return " + video + ".currentTime;") > t0 + 0.5);
                    assertEquals(DEMO_WIDTH, (long) number(browser, "return " + video + ".videoWidth;"), camera);
                    assertEquals("đang ghi", browser.js("return document.querySelector('.tile[data-camera=\""
                            + camera + "\"] .badge').textContent;"), camera + "'s badge");
                }
            }
        } catch (Throwable e) {
            throw new AssertionError(e.getMessage() + "; the demo said:\n" + out + "\n" + err, e);
        }
        assertEquals(0, demo.get(90, TimeUnit.SECONDS), out + "\n" + err);
    }

    private static double number(Browser browser, String script) {
        Object v = browser.js(script);
        return v instanceof Number n ? n.doubleValue() : 0;
    }
}
