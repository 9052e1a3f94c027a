package org.nvr.session;

import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Says once per camera (not once per reconnect) that its audio is not recorded and why.
 * Thread-safe.
 */
public final class AudioWarnings {
    private static final Logger LOG = LoggerFactory.getLogger(AudioWarnings.class);
    private final AtomicBoolean warned = new AtomicBoolean();

    void dropped(String camera, String codec, String why) {
        if (warned.compareAndSet(false, true)) {
            LOG.warn("{}: audio ({}) is not recorded: {}; video is recorded as usual", camera, codec, why);
        }
    }
}
