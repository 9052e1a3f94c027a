package org.nvr.store;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.nvr.index.IndexWriter;

/**
 * Where a camera's segments are kept and how: the storage root, the segment target length, the index
 * writer their rows go to, the finisher that makes a closed file durable, and the recorder's clock. What
 * {@link SegmentLedger} and {@link SegmentRecorder} need of the recorder, whichever source feeds them.
 *
 * <p>Immutable; made once by the recorder and shared by every camera.
 */
public record SegmentStore(Path root, Duration segmentTarget, IndexWriter index, SegmentFinisher finisher,
                           Clock clock) {
}
