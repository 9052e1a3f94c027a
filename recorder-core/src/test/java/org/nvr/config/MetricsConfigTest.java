package org.nvr.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class MetricsConfigTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            127.0.0.1:9108     | 127.0.0.1    | 9108
            0.0.0.0:80         | 0.0.0.0      | 80
            localhost:0        | localhost    | 0
            [::1]:9108         | ::1          | 9108
            [::]:9108          | ::           | 9108
            [fe80::1:2]:65535  | fe80::1:2    | 65535
            nvr.lan:9108       | nvr.lan      | 9108
            """)
    void parses(String listen, String host, int port) {
        MetricsConfig metrics = MetricsConfig.parse(listen);
        assertEquals(new MetricsConfig(host, port), metrics);
        assertEquals(listen, metrics.listen());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "9108", "localhost", ":9108", "::1:9108", "[::1]", "[::1]:", "1.2.3.4:65536",
            "1.2.3.4:-1", "1.2.3.4:+80", "1.2.3.4:http", "[nvr.lan]:9108", "http://1.2.3.4:9108", "a b:9108"})
    void rejects(String listen) {
        assertThrows(IllegalArgumentException.class, () -> MetricsConfig.parse(listen));
    }
}
