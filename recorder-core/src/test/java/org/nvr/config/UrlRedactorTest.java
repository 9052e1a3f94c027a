package org.nvr.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;
import org.nvr.testing.UserInfoPasswords;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class UrlRedactorTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            rtsp://admin:p%40ss@1.2.3.4:554/x                   | rtsp://***@1.2.3.4:554/x
            rtsp://admin:secret@cam/Streaming/Channels/101      | rtsp://***@cam/Streaming/Channels/101
            rtsps://admin@[fe80::1]:322/x                        | rtsps://***@[fe80::1]:322/x
            rtsp://cam:554/x                                     | rtsp://cam:554/x
            no url here, just user@example.org                   | no url here, just user@example.org
            open rtsp://a:b@h1/x failed; retry rtsp://c:d@h2/y   | open rtsp://***@h1/x failed; retry rtsp://***@h2/y
            rtsp://admin:p@ss@cam/x                              | rtsp://***@cam/x
            rtsp://admin:pa/ss@cam/x                             | rtsp://***@cam/x
            rtsp://admin:pa#ss@cam/x                             | rtsp://***@cam/x
            rtsp://admin:pa?ss@cam/x                             | rtsp://***@cam/x
            `{"url":"rtsp://u:p@h/x","contact":"a@b.c"}`         | `{"url":"rtsp://***@h/x","contact":"a@b.c"}`
            RTSP://U:P@H/x                                       | RTSP://***@H/x
            rtsp://***@cam/x                                     | rtsp://***@cam/x
            """)
    void redacts(String text, String expected) {
        assertEquals(expected, UrlRedactor.redact(text));
    }

    @Test
    void nullStaysNull() {
        assertNull(UrlRedactor.redact(null));
    }

    @Test
    void passwordWithRawSlashDoesNotLeak() {
        String redacted = UrlRedactor.redact("[rtsp @ 0x55d] Could not open rtsp://admin:12/34@cam/x: 401");
        assertFalse(redacted.contains("12/34"), redacted);
        assertFalse(redacted.contains("admin"), redacted);
    }

    /** Every character RFC 3986 allows in user info, raw or percent-encoded, in every quoting a log uses. */
    @Test
    void everyUserInfoCharacterIsRedacted() {
        for (UserInfoPasswords.Password p : UserInfoPasswords.all()) {
            String url = p.url("admin", "cam:554/Streaming/101");
            for (String text : new String[] {url, "[rtsp @ 0x55d] Could not open " + url + ": 401",
                    "open '" + url + "' failed", "{\"url\":\"" + url + "\"}", "<" + url + ">"}) {
                String redacted = UrlRedactor.redact(text);
                assertFalse(redacted.contains("Zk"), p.value() + ": " + redacted);
                assertFalse(redacted.contains("admin"), p.value() + ": " + redacted);
            }
        }
    }
}
