package org.nvr.cli.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.pattern.ClassicConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;

/**
 * {@code %journalPriority}: the syslog priority prefix ({@code <3>} error, {@code <4>} warning,
 * {@code <6>} info, {@code <7>} debug and trace) that journald reads from the start of a line on a
 * service's stdout or stderr ({@code SyslogLevelPrefix=}, on by default), so
 * {@code journalctl -u nvr -p warning} shows warnings and errors only. Stateless.
 */
public final class JournalPriorityConverter extends ClassicConverter {
    @Override
    public String convert(ILoggingEvent event) {
        int level = event.getLevel().toInt();
        if (level >= Level.ERROR_INT) {
            return "<3>";
        }
        if (level >= Level.WARN_INT) {
            return "<4>";
        }
        return level >= Level.INFO_INT ? "<6>" : "<7>";
    }
}
