package org.nvr.web;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The HTML pages, read once from the jar ({@code org/nvr/web/*.html}; no external assets, the office may
 * have no internet) and filled in: the login form and the page behind it, in Vietnamese or English.
 * Every value put into a page is HTML-escaped. Thread-safe.
 */
final class Pages {
    private final Map<String, String> templates = new ConcurrentHashMap<>();

    /** The login page; {@code failed} adds the wrong-credentials line, {@code throttled} the wait line. */
    String login(String language, boolean failed, boolean throttled) {
        String error = "";
        boolean vi = language.equals("vi");
        if (throttled) {
            error = vi ? "Sai quá nhiều lần; vui lòng thử lại sau một phút." : "Too many failed attempts; try again in a minute.";
        } else if (failed) {
            error = vi ? "Sai tên đăng nhập hoặc mật khẩu." : "Wrong user name or password.";
        }
        String line = error.isEmpty() ? "" : "<p class=\"error\" role=\"alert\">" + escape(error) + "</p>";
        return template("login_" + language + ".html").replace("{{error}}", line);
    }

    /** The page behind the login, carrying the session's CSRF token for the scripts and forms on it. */
    String home(String language, String user, String role, String csrfToken) {
        return template("home_" + language + ".html").replace("{{user}}", escape(user))
                .replace("{{role}}", escape(role)).replace("{{csrf}}", escape(csrfToken));
    }

    private String template(String name) {
        return templates.computeIfAbsent(name, Pages::read);
    }

    private static String read(String name) {
        try (InputStream in = Pages.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("page missing from the jar: " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String escape(String text) {
        StringBuilder sb = new StringBuilder(text.length());
        for (char c : text.toCharArray()) {
            switch (c) {
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '&' -> sb.append("&amp;");
                case '"' -> sb.append("&quot;");
                case '\'' -> sb.append("&#39;");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }
}
