package org.nvr.store;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/** A clock the test sets by hand (the replay of a capture sets it to each frame's arrival). */
final class ManualClock extends Clock {
    private volatile Instant now;

    ManualClock(Instant now) {
        this.now = now;
    }

    void set(Instant at) {
        now = at;
    }

    @Override
    public Instant instant() {
        return now;
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }
}
