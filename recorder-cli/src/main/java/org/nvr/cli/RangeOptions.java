package org.nvr.cli;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import org.nvr.footage.TimeArg;
import picocli.CommandLine.Option;

/** {@code --from T --to T}, parsed as {@link TimeArg} says; a bad or empty range is a usage error. */
final class RangeOptions {
    @Option(names = "--from", required = true, paramLabel = "T", description = "start of the range")
    String from;

    @Option(names = "--to", required = true, paramLabel = "T", description = "end of the range")
    String to;

    Instant from(Clock clock, ZoneId zone) {
        return parse("--from", from, clock, zone);
    }

    Instant to(Clock clock, ZoneId zone) {
        return parse("--to", to, clock, zone);
    }

    /** Both ends, checked to be in order; {@code now} and relative times are read against one instant. */
    Instant[] range(Clock clock, ZoneId zone) {
        Clock once = Clock.fixed(clock.instant(), clock.getZone());
        Instant f = from(once, zone);
        Instant t = to(once, zone);
        if (!t.isAfter(f)) {
            throw UserError.usage(Texts.current().get("error.range", to, from));
        }
        return new Instant[] {f, t};
    }

    static Instant parse(String option, String text, Clock clock, ZoneId zone) {
        Texts texts = Texts.current();
        try {
            return TimeArg.parse(text, clock, zone, texts.vietnamese());
        } catch (IllegalArgumentException e) {
            throw UserError.usage(texts.get("error.time", option, text));
        }
    }
}
