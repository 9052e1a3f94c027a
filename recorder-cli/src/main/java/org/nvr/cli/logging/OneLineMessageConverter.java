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
 * the log. Handles the throwable itself, so logback appends no stack trace of its own. Stateless; called on logging threads.
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
        if (text.indexOf('\n') < 0 && text.indexOf('\r') < 0) {
            return text;
        }
        return LINE_BREAKS.matcher(text.strip()).replaceAll(" | ");
    }
}
