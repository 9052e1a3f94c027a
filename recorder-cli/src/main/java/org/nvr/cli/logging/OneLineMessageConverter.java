package org.nvr.cli.logging;

import ch.qos.logback.classic.pattern.ThrowableHandlingConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import java.util.regex.Pattern;
import org.nvr.config.KnownSecrets;

/**
 * {@code %oneLineMessage} in the logback pattern: the message and, when there is one, the stack
 * trace, as one line (line breaks replaced by {@code " | "}) with the credentials of every URL and
 * every known camera password removed ({@link KnownSecrets}). One event is then one journal entry,
 * not one per stack frame, and a credential that slipped past the code's own redaction never reaches
 * the log; other control characters are escaped ({@code \x1b}). Handles the throwable itself, so
 * logback appends no stack trace of its own. Stateless; called on logging threads.
 */
public final class OneLineMessageConverter extends ThrowableHandlingConverter {
    private static final Pattern LINE_BREAKS = Pattern.compile("\\s*[\\r\\n]+\\s*");

    @Override
    public String convert(ILoggingEvent event) {
        String text = event.getFormattedMessage();
        IThrowableProxy thrown = event.getThrowableProxy();
        if (thrown != null) {
            text = text + "\n" + ThrowableProxyUtil.asString(thrown);
        }
        return oneLine(KnownSecrets.redact(text));
    }

    static String oneLine(String text) {
        if (text == null) {
            return "";
        }
        String line = text.indexOf('\n') < 0 && text.indexOf('\r') < 0 ? text
                : LINE_BREAKS.matcher(text.strip()).replaceAll(" | ");
        return escapeControls(line);
    }

    /**
     * Control characters other than tab as {@code \x1b} (C1 ones as a backslash, {@code u} and four hex
     * digits): a camera's error text or an operator's reason must not send escape sequences to whoever
     * reads the log on a terminal.
     */
    private static String escapeControls(String line) {
        StringBuilder sb = null;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            boolean control = (c < 0x20 && c != '\t') || c == 0x7f || (c >= 0x80 && c <= 0x9f);
            if (control && sb == null) {
                sb = new StringBuilder(line.length() + 16).append(line, 0, i);
            }
            if (sb != null) {
                sb.append(!control ? String.valueOf(c) : String.format(c < 0x80 ? "\\x%02x" : "\\u%04x", (int) c));
            }
        }
        return sb == null ? line : sb.toString();
    }
}
