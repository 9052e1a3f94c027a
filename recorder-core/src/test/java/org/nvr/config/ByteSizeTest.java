package org.nvr.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ByteSizeTest {

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource(delimiter = '|', textBlock = """
            1            | 1
            1024         | 1024
            17B          | 17
            500MB        | 500000000
            2GB          | 2000000000
            1.5TB        | 1500000000000
            2TB          | 2000000000000
            20GB         | 20000000000
            1KB          | 1000
            512MiB       | 536870912
            2GiB         | 2147483648
            1KiB         | 1024
            1TiB         | 1099511627776
            0.5KiB       | 512
            1.5 GB       | 1500000000
            '  2 gib  '  | 2147483648
            500mb        | 500000000
            1.0005KB     | 1001
            .5MB         | 500000
            9223372036854775807 | 9223372036854775807
            """)
    void parses(String text, long bytes) {
        assertEquals(bytes, ByteSize.parse(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "0", "0GB", "0.0001B", "-5GB", "-1", "5XB", "5 K", "1,5GB", "GB", "1.GB",
            "10000000TB", "9223372036854775808", "1e3", "5 G B", "2TBs"})
    void rejects(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ByteSize.parse(text));
        assertTrue(e.getMessage().contains("size"), e.getMessage());
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            0                   | 0 B
            999                 | 999 B
            1000                | 1 KB
            1500                | 1.5 KB
            1234567             | 1.2 MB
            999950              | 1 MB
            1500000000          | 1.5 GB
            2000000000000       | 2 TB
            536870912           | 536.9 MB
            -1500               | -1.5 KB
            9223372036854775807 | 9.2 EB
            """)
    void formats(long bytes, String text) {
        assertEquals(text, ByteSize.format(bytes));
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 999, 1000, 1500, 2_000_000_000L, 1_500_000_000_000L})
    void formattedSizesParseBack(long bytes) {
        assertEquals(bytes, ByteSize.parse(ByteSize.format(bytes)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"5XB", "-5GB", "0"})
    void messageQuotesTheInputAndTheUnits(String text) {
        String message = assertThrows(IllegalArgumentException.class, () -> ByteSize.parse(text)).getMessage();
        assertTrue(message.contains("\"" + text + "\""), message);
    }
}
