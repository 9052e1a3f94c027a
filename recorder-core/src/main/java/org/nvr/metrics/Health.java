package org.nvr.metrics;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What {@code GET /healthz} reports: 200 with {@code {"status":"ok", ...details}} when {@link #ok},
 * else 503 with {@code {"status":"unhealthy","reason":"...", ...details}}.
 *
 * @param ok      whether the daemon runs and its index is writable
 * @param reason  why not, for operators; null or ignored when ok
 * @param details extra top-level JSON fields (strings, numbers, booleans, null, nested maps and
 *                collections; anything else is written as its {@code toString()}); may not use the
 *                keys {@code status} or {@code reason}; kept in iteration order
 */
public record Health(boolean ok, String reason, Map<String, Object> details) {
    public Health {
        // Not Map.copyOf: it forbids null values and loses the order.
        details = details == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(details));
        if (details.containsKey("status") || details.containsKey("reason")) {
            throw new IllegalArgumentException("details may not use the keys status or reason");
        }
        if (!ok) {
            Objects.requireNonNull(reason, "reason");
        }
    }

    public static Health healthy(Map<String, Object> details) {
        return new Health(true, null, details);
    }

    public static Health unhealthy(String reason) {
        return new Health(false, reason, Map.of());
    }
}
