package org.nvr.cli.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** A log line carries text cameras and operators supplied: it stays one line and sends no control sequence. */
class OneLineMessageConverterTest {

    @Test
    void lineBreaksFoldAndOtherControlCharactersAreEscaped() {
        assertEquals("cam-01: camera said 401 \\x1b[2J\\x1b]0;x\\x07 | at x\\x7f\\u009b",
                OneLineMessageConverter.oneLine("cam-01: camera said 401 \u001b[2J\u001b]0;x\u0007\n\tat x\u007f\u009b"));
        assertEquals("plain text, a\ttab kept", OneLineMessageConverter.oneLine("plain text, a\ttab kept"));
        assertEquals("", OneLineMessageConverter.oneLine(null));
    }
}
