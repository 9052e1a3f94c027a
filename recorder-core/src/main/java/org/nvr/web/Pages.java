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

    /** Text assets the pages load (scripts, styles, SVG), by file name; served to anyone, they hold no data. */
    private static final java.util.regex.Pattern ASSET = java.util.regex.Pattern.compile("[a-z0-9][a-z0-9_-]*\\.(js|css|svg|json)");
    /** Pages behind the login, by name ({@code /app/<name>} serves {@code app/<name>.html}). */
    private static final java.util.regex.Pattern APP = java.util.regex.Pattern.compile("[a-z][a-z0-9-]*");

    /**
     * The asset {@code assets/<name>} from the jar with its content type, or empty when there is no such
     * asset (or the name is not a plain file name: no path ever leaves the assets folder).
     */
    java.util.Optional<String[]> asset(String name) {
        var m = ASSET.matcher(name);
        if (!m.matches() || Pages.class.getResource("assets/" + name) == null) {
            return java.util.Optional.empty();
        }
        String type = switch (m.group(1)) {
            case "js" -> "text/javascript; charset=utf-8";
            case "css" -> "text/css; charset=utf-8";
            case "svg" -> "image/svg+xml";
            default -> "application/json; charset=utf-8";
        };
        return java.util.Optional.of(new String[] {type, template("assets/" + name)});
    }

    /**
     * The page {@code app/<name>.html} behind the login, filled in with the user, role and CSRF token (plus
     * {@code {{lang}}}, and {@code {{other_lang}}}, {@code {{other_lang_name}}} for the switch to the other
     * language), or empty when there is no such page. One HTML per page for both languages: its script takes
     * the words from {@code {{lang}}}.
     */
    java.util.Optional<String> app(String name, String language, String user, String role, String csrfToken) {
        if (!APP.matcher(name).matches() || Pages.class.getResource("app/" + name + ".html") == null) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(template("app/" + name + ".html").replace("{{user}}", escape(user))
                .replace("{{role}}", escape(role)).replace("{{csrf}}", escape(csrfToken))
                .replace("{{lang}}", escape(language)).replace("{{other_lang}}", otherLanguage(language))
                .replace("{{other_lang_name}}", escape(languageName(otherLanguage(language)))));
    }

    /** The language the switch on a page offers: English on a Vietnamese page, and back. */
    static String otherLanguage(String language) {
        return language.equals("vi") ? "en" : "vi";
    }

    /** A language's name in that language, as the switch to it reads. */
    static String languageName(String language) {
        return language.equals("vi") ? "Tiếng Việt" : "English";
    }

    private static final java.util.regex.Pattern LEAST_ROLE =
            java.util.regex.Pattern.compile("<meta name=\"nvr-role\" content=\"(viewer|operator|admin)\">");

    /**
     * The least role that may open {@code app/<name>}: what the page declares in
     * {@code <meta name="nvr-role" content="admin">}, viewer when it declares nothing; empty when there is
     * no such page. The page's data comes from {@code /api/*}, which checks the role again.
     */
    java.util.Optional<org.nvr.config.WebConfig.Role> appRole(String name) {
        if (!APP.matcher(name).matches() || Pages.class.getResource("app/" + name + ".html") == null) {
            return java.util.Optional.empty();
        }
        var m = LEAST_ROLE.matcher(template("app/" + name + ".html"));
        return java.util.Optional.of(m.find()
                ? org.nvr.config.WebConfig.Role.valueOf(m.group(1).toUpperCase(java.util.Locale.ROOT))
                : org.nvr.config.WebConfig.Role.VIEWER);
    }

    /** The page a user gets (403) for a page their role may not open. */
    String forbidden(String language, String user, String role, String needed) {
        boolean vi = language.equals("vi");
        String title = vi ? "Không có quyền" : "Not allowed";
        String text = vi ? "Tài khoản " + user + " (" + role + ") không được mở trang này; cần quyền " + needed + "."
                : "User " + user + " (" + role + ") may not open this page; it needs the " + needed + " role.";
        return "<!doctype html>\n<html lang=\"" + escape(language) + "\">\n<head><meta charset=\"utf-8\"><title>"
                + escape(title) + "</title><link rel=\"stylesheet\" href=\"/assets/nvr.css\"></head>\n<body>\n"
                + "<header class=\"nvr\"><a href=\"/\">nvr</a><a class=\"lang-switch\" href=\"?lang="
                + otherLanguage(language) + "\">" + escape(languageName(otherLanguage(language))) + "</a><span class=\"user\">" + escape(user) + " (" + escape(role)
                + ")</span></header>\n<main><h1 id=\"forbidden\">" + escape(title) + "</h1><p>" + escape(text)
                + "</p><p><a href=\"/\">" + (vi ? "Về trang chính" : "Back to the start page") + "</a></p></main>\n</body>\n</html>\n";
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
