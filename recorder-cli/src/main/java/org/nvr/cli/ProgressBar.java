package org.nvr.cli;

import java.io.PrintWriter;
import org.nvr.footage.FootageExporter;

/**
 * A one-line progress bar on stderr for exports that take more than a moment: drawn only on a
 * terminal, only after {@link #DELAY_NANOS}, at most ten times a second, and erased by a final newline.
 *
 * <p>Called on the exporting thread only.
 */
final class ProgressBar implements FootageExporter.Progress {
    static final long DELAY_NANOS = 1_000_000_000L;
    private static final int WIDTH = 30;

    private final PrintWriter err;
    private final boolean enabled;
    private final long started = System.nanoTime();
    private long lastDraw;
    private boolean drawn;

    ProgressBar(PrintWriter err, boolean enabled) {
        this.err = err;
        this.enabled = enabled;
    }

    /** On a terminal (stdin and stdout are one) unless turned off. */
    static boolean onTerminal() {
        return System.console() != null;
    }

    @Override
    public void update(String phase, long done, long total) {
        long now = System.nanoTime();
        if (!enabled || now - started < DELAY_NANOS || (now - lastDraw < 100_000_000L && done < total)) {
            return;
        }
        lastDraw = now;
        Texts t = Texts.current();
        double fraction = total <= 0 ? 0 : Math.min(1, (double) done / total);
        int filled = (int) Math.round(fraction * WIDTH);
        double seconds = (now - started) / 1e9;
        String line = String.format(t.locale(), "\r%-10s [%s%s] %3.0f%% %s / %s",
                t.get("progress." + phase), "#".repeat(filled), "-".repeat(WIDTH - filled), fraction * 100,
                t.bytes(done), t.bytes(total));
        if (phase.equals("copy") && seconds > 0) {
            line += String.format(t.locale(), "  %s/s", t.bytes((long) (done / seconds)));
        }
        err.print(line + "   ");
        err.flush();
        drawn = true;
    }

    /** Ends the bar's line, if one was drawn. */
    void finish() {
        if (drawn) {
            err.println();
            err.flush();
        }
    }
}
