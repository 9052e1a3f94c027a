package org.nvr.camera;

import java.time.Duration;

/**
 * How one session ended.
 *
 * @param reason   why it ended ({@link FailureReason#SHUTDOWN} when asked to stop)
 * @param detail   human detail for logs and the index, credentials already removed
 * @param recorded how much footage the session wrote (zero when it never got to recording)
 * @param transportRefused the camera answered SETUP over the session's transport with 461 Unsupported
 *                 Transport: it may well record over the other one
 * @param nothingOverUdp the session was set up over UDP and played, and not one RTP packet came (a
 *                 router or firewall dropping UDP): TCP may well work
 */
public record SessionResult(FailureReason reason, String detail, Duration recorded, boolean transportRefused,
                            boolean nothingOverUdp) {
    public SessionResult(FailureReason reason, String detail, Duration recorded) {
        this(reason, detail, recorded, false, false);
    }

    public SessionResult(FailureReason reason, String detail, Duration recorded, boolean transportRefused) {
        this(reason, detail, recorded, transportRefused, false);
    }

    public boolean wroteFootage() {
        return !recorded.isZero();
    }
}
