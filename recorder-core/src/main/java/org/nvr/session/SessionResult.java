package org.nvr.session;

import java.time.Duration;
import org.nvr.ingest.FailureReason;

/**
 * How one session ended.
 *
 * @param reason   why it ended ({@link FailureReason#SHUTDOWN} when asked to stop)
 * @param detail   human detail for logs and the index, credentials already removed
 * @param recorded how much footage the session wrote (zero when it never got to recording)
 */
public record SessionResult(FailureReason reason, String detail, Duration recorded) {
    public boolean wroteFootage() {
        return !recorded.isZero();
    }
}
