package org.nvr.footage;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;

/**
 * The JSON the operator commands print and the web API sends, byte for byte the same: indented,
 * times ISO-8601 with the zone's offset, durations in seconds with millisecond precision. Stateless;
 * any thread.
 */
public final class JsonText {
    /** Loaded only by callers that write JSON (a few hundred classes a table does not need). */
    private static final class Mapper {
        static final ObjectMapper INSTANCE = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    }

    private JsonText() {
    }

    /** {@code value} (maps, lists, strings, numbers, booleans, null) as indented JSON, without a final newline. */
    public static String write(Object value) {
        try {
            return Mapper.INSTANCE.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON", e);
        }
    }

    /** ISO-8601 with the zone's offset, as the contract's JSON requires; null stays null. */
    public static String iso(Instant t, ZoneId zone) {
        return t == null ? null : OffsetDateTime.ofInstant(t, zone).toString();
    }

    /** Seconds with millisecond precision; null stays null. */
    public static Double seconds(Duration d) {
        return d == null ? null : d.toMillis() / 1000.0;
    }
}
