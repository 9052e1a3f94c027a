package org.nvr.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationTextTest {

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource(delimiter = '|', textBlock = """
            90s        | PT1M30S
            15m        | PT15M
            12h        | PT12H
            30d        | PT720H
            500ms      | PT0.5S
            1h30m      | PT1H30M
            1d 12h     | PT36H
            2h5m10s    | PT2H5M10S
            ' 5s '     | PT5S
            5 s        | PT5S
            1m1ms      | PT1M0.001S
            """)
    void parses(String text, Duration expected) {
        assertEquals(expected, DurationText.parse(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "5", "0s", "0m0s", "-5s", "1.5h", "5S", "5M", "30 days", "1w", "s", "30m1h", "1h1h",
            "5sec", "PT5S", "99999999999999999999d", "999999999999d"})
    void rejects(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DurationText.parse(text));
        assertTrue(e.getMessage().contains("duration"), e.getMessage());
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            PT0S          | 0s
            PT1M30S       | 1m30s
            PT720H        | 30d
            PT36H         | 1d12h
            PT0.25S       | 250ms
            PT2H5M10.5S   | 2h5m10s500ms
            PT-90S        | -1m30s
            """)
    void formats(Duration duration, String text) {
        assertEquals(text, DurationText.format(duration));
    }

    @ParameterizedTest
    @ValueSource(strings = {"90s", "15m", "12h", "30d", "1h30m", "1d12h", "250ms"})
    void formattedDurationsParseBack(String text) {
        Duration duration = DurationText.parse(text);
        assertEquals(duration, DurationText.parse(DurationText.format(duration)));
    }
}
