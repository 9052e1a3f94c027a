package org.nvr.footage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class TimeArgTest {
    static final ZoneId HANOI = ZoneId.of("Asia/Ho_Chi_Minh");
    static final Clock NOW = Clock.fixed(Instant.parse("2026-11-29T12:00:00Z"), ZoneOffset.UTC);

    @ParameterizedTest
    @CsvSource({
        "2026-11-29T14:05,          2026-11-29T07:05:00Z",
        "2026-11-29 14:05,          2026-11-29T07:05:00Z",
        "2026-11-29 14:05:30,       2026-11-29T07:05:30Z",
        "2026-11-29T14:05:30.250,   2026-11-29T07:05:30.250Z",
        "2026-11-29T14:05:30+07:00, 2026-11-29T07:05:30Z",
        "2026-11-29T07:05:30Z,      2026-11-29T07:05:30Z",
        "2026-11-29 07:05Z,         2026-11-29T07:05:00Z",
        "now,                       2026-11-29T12:00:00Z",
        "-90s,                      2026-11-29T11:58:30Z",
        "-15m,                      2026-11-29T11:45:00Z",
        "-2h,                       2026-11-29T10:00:00Z",
        "-1d,                       2026-11-28T12:00:00Z",
    })
    void parsesTheContractForms(String text, String expected) {
        assertEquals(Instant.parse(expected), TimeArg.parse(text, NOW, HANOI));
    }

    @Test
    void badTimeNamesItselfAndTheAcceptedForms() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TimeArg.parse("yesterday", NOW, HANOI));
        assertTrue(e.getMessage().contains("'yesterday'"), e.getMessage());
        assertTrue(e.getMessage().contains("-15m"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TimeArg.parse("2026-13-01 10:00", NOW, HANOI));
        assertThrows(IllegalArgumentException.class, () -> TimeArg.parse("-5w", NOW, HANOI));
    }

    @Test
    void dayFirstIsAcceptedForVietnameseOnly() {
        assertEquals(Instant.parse("2026-11-29T07:05:00Z"), TimeArg.parse("29/11/2026 14:05", NOW, HANOI, true));
        assertEquals(Instant.parse("2026-03-02T07:05:30Z"), TimeArg.parse("2/3/2026 14:05:30", NOW, HANOI, true));
        assertThrows(IllegalArgumentException.class, () -> TimeArg.parse("29/11/2026 14:05", NOW, HANOI, false));
        assertThrows(IllegalArgumentException.class, () -> TimeArg.parse("31/11/2026 14:05", NOW, HANOI, true));
        assertEquals(Instant.parse("2026-11-29T07:05:00Z"), TimeArg.parse("2026-11-29 14:05", NOW, HANOI, true));
    }

    @Test
    void localTimeFollowsTheZonesOffsetOnThatDay() {
        ZoneId paris = ZoneId.of("Europe/Paris");
        assertEquals(Instant.parse("2026-07-01T08:00:00Z"), TimeArg.parse("2026-07-01 10:00", NOW, paris));
        assertEquals(Instant.parse("2026-12-01T09:00:00Z"), TimeArg.parse("2026-12-01 10:00", NOW, paris));
    }

    @ParameterizedTest
    @ValueSource(strings = {"2026-02-30T10:00", "2026-02-29 10:00", "2026-04-31T00:00", "2026-11-29T24:00",
        "2026-02-30T10:00+07:00", "2026-02-30T10:00Z"})
    void impossibleDatesAreRefusedNotClamped(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TimeArg.parse(text, NOW, HANOI));
        assertTrue(e.getMessage().contains(text), e.getMessage());
        assertEquals(Instant.parse("2028-02-29T03:00:00Z"), TimeArg.parse("2028-02-29T10:00", NOW, HANOI));
    }

    @ParameterizedTest
    @ValueSource(strings = {"-99999999999999999999d", "-9999999999999999d", "-106751991167301d", "-9223372036854775807s",
        "+999999999-12-31T23:59:59Z", "-999999999-01-01T00:00Z", "+10000-06-01T00:00", "-0001-01-01T00:00Z"})
    void extremeTimesAreRefusedWithTheUsualMessage(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TimeArg.parse(text, NOW, HANOI));
        assertTrue(e.getMessage().contains("'" + text + "'"), e.getMessage());
        assertFalse(e.getMessage().contains("overflow"), e.getMessage());
    }
}
