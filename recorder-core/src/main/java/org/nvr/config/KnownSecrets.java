package org.nvr.config;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The passwords of the cameras this process logs in to, so that text that may repeat one where no URL
 * pattern shows it (FFmpeg's own log lines, a camera's error text, a stack trace) is cleaned before it
 * is logged or stored: {@link #redact} replaces each known password, in every form it may take on the
 * wire (as typed, percent-encoded with upper- or lower-case hex, or encoded the way
 * {@code FfmpegCameraOpener} encodes it, and the Basic-auth token), by {@code ***}, then removes any
 * {@code user:pass@} of a URL with {@link UrlRedactor}.
 *
 * <p>Passwords shorter than {@value #MIN_LENGTH} characters are not replaced as plain text (they would
 * turn every {@code 1} or {@code admin} of a log into {@code ***}); they are still removed from URLs.
 *
 * <p>Process-wide, because FFmpeg's log callback is: whoever hands a camera's credentials to a library
 * calls {@link #remember} first. Thread-safe; secrets are never forgotten while the process lives.
 */
public final class KnownSecrets {
    static final int MIN_LENGTH = 4;
    private static final Set<String> FORMS = ConcurrentHashMap.newKeySet();
    private static volatile List<String> longestFirst = List.of();

    private KnownSecrets() {
    }

    /** Remembers one secret as it is written (an object store's secret key, say). */
    public static void remember(String secret) {
        if (secret != null && secret.length() >= MIN_LENGTH && FORMS.add(secret)) {
            synchronized (FORMS) {
                List<String> sorted = new ArrayList<>(FORMS);
                sorted.sort(Comparator.comparingInt(String::length).reversed());
                longestFirst = List.copyOf(sorted);
            }
        }
    }

    /** Remembers the password of {@code camera} (and its user name with it, for the Basic-auth token). */
    public static void remember(CameraConfig camera) {
        camera.password().ifPresent(password -> {
            List<String> forms = new ArrayList<>(List.of(password,
                    URLEncoder.encode(password, StandardCharsets.UTF_8),
                    URLEncoder.encode(password, StandardCharsets.UTF_8).replace("+", "%20"),
                    percentEncodeAll(password, true), percentEncodeAll(password, false)));
            String basic = camera.username().orElse("") + ":" + password;
            forms.add(Base64.getEncoder().encodeToString(basic.getBytes(StandardCharsets.UTF_8)));
            boolean added = false;
            for (String form : forms) {
                if (form.length() >= MIN_LENGTH) {
                    added |= FORMS.add(form);
                }
            }
            if (added) {
                synchronized (FORMS) {
                    List<String> sorted = new ArrayList<>(FORMS);
                    sorted.sort(Comparator.comparingInt(String::length).reversed());
                    longestFirst = List.copyOf(sorted);
                }
            }
        });
    }

    /** {@code text} with every remembered password and every URL's user info replaced; null stays null. */
    public static String redact(String text) {
        if (text == null) {
            return null;
        }
        String out = text;
        for (String secret : longestFirst) {
            if (out.contains(secret)) {
                out = out.replace(secret, "***");
            }
        }
        return UrlRedactor.redact(out);
    }

    /** Every byte outside RFC 3986's unreserved set as {@code %XX}. */
    private static String percentEncodeAll(String text, boolean upper) {
        StringBuilder sb = new StringBuilder();
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "-._~".indexOf(c) >= 0) {
                sb.append(c);
            } else {
                sb.append(String.format(upper ? "%%%02X" : "%%%02x", b & 0xff));
            }
        }
        return sb.toString();
    }
}
