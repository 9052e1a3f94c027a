package org.nvr.index;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One flat JSON object per line, for the {@link EvidenceJournal}: string, integer and null values.
 * Jackson escapes every control character, and U+2028/2029 are escaped too, so a line never holds a
 * line break of its own. Thread-safe.
 */
final class JsonLine {
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.USE_LONG_FOR_INTS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final TypeReference<LinkedHashMap<String, Object>> OBJECT = new TypeReference<>() {
    };

    private JsonLine() {
    }

    static String write(Map<String, Object> fields) {
        try {
            // U+2028/2029 only occur inside strings; escaped, no reader that splits on them tears a line.
            return JSON.writeValueAsString(fields).replace("\u2028", "\\u2028").replace("\u2029", "\\u2029");
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write a journal line: " + e.getOriginalMessage(), e);
        }
    }

    /**
     * Parses a line {@link #write} wrote; integers come back as {@link Long}.
     *
     * @throws IllegalArgumentException the line is not one JSON object (a torn last line, say)
     */
    static Map<String, Object> read(String line) {
        try {
            Map<String, Object> out = JSON.readValue(line, OBJECT);
            if (out == null) {
                throw new IllegalArgumentException("not a JSON object");
            }
            return out;
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e.getOriginalMessage(), e);
        }
    }
}
