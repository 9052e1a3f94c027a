package org.nvr.metrics;

import org.nvr.config.KnownSecrets;

import java.util.Map;

/**
 * Writes a {@link Health} as the JSON body of {@code /healthz}. A hand-written writer because the
 * shape is tiny and the core module has no JSON library. Every string passes through
 * {@link KnownSecrets} (known camera passwords and every URL's user info removed), since a reason may
 * quote an exception message. Stateless; any thread.
 */
final class HealthJson {
    private HealthJson() {
    }

    static String write(Health health) {
        StringBuilder out = new StringBuilder(64).append("{\"status\":");
        string(out, health.ok() ? "ok" : "unhealthy");
        if (!health.ok()) {
            out.append(",\"reason\":");
            string(out, health.reason());
        }
        for (Map.Entry<String, Object> entry : health.details().entrySet()) {
            out.append(',');
            string(out, entry.getKey());
            out.append(':');
            value(out, entry.getValue());
        }
        return out.append('}').toString();
    }

    private static void value(StringBuilder out, Object value) {
        if (value == null) {
            out.append("null");
        } else if (value instanceof Boolean) {
            out.append(value);
        } else if (value instanceof Double || value instanceof Float) {
            double d = ((Number) value).doubleValue();
            out.append(Double.isFinite(d) ? String.valueOf(d) : "null");
        } else if (value instanceof Number) {
            out.append(value);
        } else if (value instanceof Map<?, ?> map) {
            out.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                if (!first) {
                    out.append(',');
                }
                first = false;
                string(out, String.valueOf(entry.getKey()));
                out.append(':');
                value(out, entry.getValue());
            }
            out.append('}');
        } else if (value instanceof Iterable<?> items) {
            out.append('[');
            boolean first = true;
            for (Object item : items) {
                if (!first) {
                    out.append(',');
                }
                first = false;
                value(out, item);
            }
            out.append(']');
        } else {
            string(out, value.toString());
        }
    }

    private static void string(StringBuilder out, String raw) {
        String s = KnownSecrets.redact(raw);
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    // Control characters, and U+2028/2029 which break some JavaScript consumers.
                    if (c < 0x20 || c == '\u2028' || c == '\u2029') {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
