package org.nvr.cli;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.MissingResourceException;
import java.util.ResourceBundle;

/**
 * What the operator reads, in their language: messages, table headers, labels and the help text come
 * from the {@code org.nvr.cli.Messages} resource bundle, Vietnamese ({@code Messages_vi}) when the
 * locale is Vietnamese or {@code --lang vi} is given, English otherwise. Dates in tables are day-first
 * for Vietnamese ({@code 29/11/2026 21:10:00}), ISO-like otherwise; JSON never changes with the language.
 *
 * <p>Immutable; one per command line (chosen before parsing, so the help text is translated too).
 */
final class Texts {
    static final String BUNDLE = "org.nvr.cli.Messages";

    private static final DateTimeFormatter EN_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");
    private static final DateTimeFormatter VI_TIME = DateTimeFormatter.ofPattern("dd/MM/yyyy HH:mm:ss");

    private static volatile Texts current = of(Locale.getDefault());

    private final Locale locale;
    private final ResourceBundle bundle;

    private Texts(Locale locale, ResourceBundle bundle) {
        this.locale = locale;
        this.bundle = bundle;
    }

    /** Vietnamese for a Vietnamese locale, English for any other. */
    static Texts of(Locale requested) {
        Locale locale = "vi".equals(requested.getLanguage()) ? new Locale("vi", "VN") : Locale.ENGLISH;
        ResourceBundle bundle = ResourceBundle.getBundle(BUNDLE, locale,
                ResourceBundle.Control.getNoFallbackControl(ResourceBundle.Control.FORMAT_PROPERTIES));
        return new Texts(locale, bundle);
    }

    /** The language of the command line being run (set by {@link Main#commandLine(String...)}). */
    static Texts current() {
        return current;
    }

    static void use(Texts texts) {
        current = texts;
    }

    Locale locale() {
        return locale;
    }

    ResourceBundle bundle() {
        return bundle;
    }

    boolean vietnamese() {
        return "vi".equals(locale.getLanguage());
    }

    /** The message {@code key} with {@code String.format} arguments ({@code %1$s} for reordering). */
    String get(String key, Object... args) {
        String pattern;
        try {
            pattern = bundle.getString(key);
        } catch (MissingResourceException e) {
            pattern = key;
        }
        return args.length == 0 ? pattern : String.format(locale, pattern, args);
    }

    /** A label such as an outage reason or a camera state, translated when the bundle knows it. */
    String label(String group, String value) {
        if (value == null) {
            return null;
        }
        String key = group + "." + value;
        return bundle.containsKey(key) ? bundle.getString(key) : value;
    }

    String time(Instant t, ZoneId zone) {
        return t == null ? "-" : (vietnamese() ? VI_TIME : EN_TIME).format(t.atZone(zone));
    }

    String duration(Duration d) {
        if (d == null) {
            return "-";
        }
        long s = d.toSeconds();
        if (s >= 3600) {
            return get("duration.hms", s / 3600, s % 3600 / 60, s % 60);
        }
        if (s >= 60) {
            return get("duration.ms", s / 60, s % 60);
        }
        return get("duration.s", d.toMillis() / 1000.0);
    }

    String percent(double ratio) {
        return String.format(locale, "%.2f%%", ratio * 100);
    }

    String bytes(long n) {
        return org.nvr.config.ByteSize.format(n);
    }
}
