package org.nvr.web.playback;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/** RFC 9110's byte ranges against a 1000-byte body. */
class ByteRangesTest {
    static ByteRanges.Answer parse(String header) {
        return ByteRanges.parse(Optional.ofNullable(header), 1000);
    }

    @Test
    void rangesOfTheBody() {
        assertEquals(new ByteRanges.Whole(), parse(null));
        assertEquals(new ByteRanges.Part(0, 999), parse("bytes=0-"));
        assertEquals(new ByteRanges.Part(10, 19), parse("bytes=10-19"));
        assertEquals(new ByteRanges.Part(990, 999), parse("bytes=990-5000"), "the last byte past the end: up to the end");
        assertEquals(new ByteRanges.Part(900, 999), parse("bytes=-100"));
        assertEquals(new ByteRanges.Part(0, 999), parse("bytes=-5000"), "a suffix longer than the body: all of it");
        assertEquals(new ByteRanges.Part(0, 9), parse("bytes=0-9, 20-29"), "several: the first");
    }

    @Test
    void unsatisfiableAndIgnored() {
        assertEquals(new ByteRanges.Unsatisfiable(), parse("bytes=1000-"));
        assertEquals(new ByteRanges.Unsatisfiable(), parse("bytes=20-10"));
        assertEquals(new ByteRanges.Unsatisfiable(), parse("bytes=-0"));
        assertEquals(new ByteRanges.Whole(), parse("items=0-9"), "another unit: ignored");
        assertEquals(new ByteRanges.Whole(), parse("bytes=a-b"), "not a range: ignored");
    }
}
