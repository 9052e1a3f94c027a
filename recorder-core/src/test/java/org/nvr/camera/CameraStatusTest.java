package org.nvr.camera;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvr.index.IndexWriter;
import org.slf4j.LoggerFactory;

/** {@link CameraStatus} when the index cannot store what it reports. */
class CameraStatusTest {
    @TempDir
    Path dir;

    @Test
    void anIndexThatCannotStoreTheStateIsLoggedOnceNotAtEveryRetry() throws Exception {
        ListAppender<ILoggingEvent> log = new ListAppender<>();
        log.start();
        Logger logger = (Logger) LoggerFactory.getLogger(CameraStatus.class);
        logger.addAppender(log);
        try {
            IndexWriter index = IndexWriter.open(dir.resolve("index.db"));
            index.close(); // from now on every write fails, as on a filesystem turned read-only
            CameraStatus status = new CameraStatus("site", "cam-a", index, CameraObserver.NONE);
            Instant t = Instant.parse("2026-12-06T10:00:00Z");
            status.state(CameraState.CONNECTING, t, null, "starting");
            for (int retry = 0; retry < 6; retry++) { // each retry: the stream opens, then writing fails
                status.state(CameraState.CONNECTING, t, null, "stream opened");
                status.state(CameraState.DOWN, t, FailureReason.ERROR, "create file: Read-only file system (-30)");
            }
            List<String> warnings = log.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
                    .map(ILoggingEvent::getFormattedMessage).toList();
            assertEquals(1, warnings.size(), String.join("\n", warnings));
            assertTrue(warnings.get(0).startsWith("cam-a: cannot store camera state: "), warnings.get(0));
            assertEquals(CameraState.DOWN, status.current(), "the state is still known in memory");
        } finally {
            logger.detachAppender(log);
        }
    }
}
