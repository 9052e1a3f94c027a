package org.nvr.mp4;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.nvr.media.Frame;
import org.nvr.media.Track;

/**
 * One media fragment of a fragmented MP4: a {@code moof} (sequence number; per track a {@code traf}
 * with {@code tfhd} default-base-is-moof, {@code tfdt} base decode time and a version-1 {@code trun}
 * giving each sample's duration, size, sync flag and signed composition offset) followed by an
 * {@code mdat} holding the samples, track by track.
 *
 * <p>The sample data is not copied: {@link #buffers()} returns the header and then each frame's own
 * array, for one gathering write; {@link #toByteArray()} copies everything into one message (a
 * WebSocket frame). Immutable once built (the frames' arrays are not written to, see {@link Frame});
 * thread-safe.
 */
public final class MediaFragment {
    /** sample_depends_on = 2 (an I picture): a decoder can start here. */
    static final int SYNC = 0x02000000;
    /** sample_depends_on = 1, sample_is_non_sync_sample. */
    static final int NON_SYNC = 0x01010000;

    private static final int TFHD_DEFAULT_BASE_IS_MOOF = 0x020000;
    private static final int TRUN_DATA_OFFSET = 0x1;
    private static final int TRUN_DURATION = 0x100;
    private static final int TRUN_SIZE = 0x200;
    private static final int TRUN_FLAGS = 0x400;
    private static final int TRUN_COMPOSITION_OFFSET = 0x800;

    /**
     * A frame with the time until the next frame of its track, which the frame itself does not know:
     * the writer learns it when the next frame arrives.
     *
     * @param frame    the frame
     * @param duration in the track's clock, not negative
     */
    public record Sample(Frame frame, long duration) {
        public Sample {
            Objects.requireNonNull(frame, "frame");
            if (duration < 0 || duration > 0xffffffffL) {
                throw new IllegalArgumentException("sample duration out of range: " + duration);
            }
        }
    }

    private final int sequenceNumber;
    private final byte[] header;
    private final List<byte[]> data;
    private final long size;

    private MediaFragment(int sequenceNumber, byte[] header, List<byte[]> data, long size) {
        this.sequenceNumber = sequenceNumber;
        this.header = header;
        this.data = data;
        this.size = size;
    }

    /**
     * Builds a fragment of {@code samples}, which may mix tracks; each track's samples must be in
     * decode order and consecutive in time (the first one's decode time becomes the track's
     * {@code tfdt}).
     *
     * @param sequenceNumber 1 for a file's first fragment, then one more for each
     * @throws IllegalArgumentException when there are no samples, a decode time is negative or goes
     *                                  back, or a composition offset or the fragment's size does not fit
     */
    public static MediaFragment of(int sequenceNumber, List<Sample> samples) {
        if (samples.isEmpty()) {
            throw new IllegalArgumentException("a fragment needs at least one sample");
        }
        Map<Integer, List<Sample>> byTrack = new TreeMap<>();
        for (Sample s : samples) {
            byTrack.computeIfAbsent(s.frame().track().index(), i -> new ArrayList<>()).add(s);
        }
        BoxWriter w = new BoxWriter();
        int moof = w.begin("moof");
        int mfhd = w.beginFull("mfhd", 0, 0);
        w.u32(Integer.toUnsignedLong(sequenceNumber));
        w.end(mfhd);
        List<Integer> offsetFields = new ArrayList<>();
        List<Long> offsets = new ArrayList<>();
        List<byte[]> data = new ArrayList<>(samples.size());
        long mdatBytes = 0;
        for (List<Sample> run : byTrack.values()) {
            offsets.add(mdatBytes);
            offsetFields.add(traf(w, run));
            for (Sample s : run) {
                data.add(s.frame().data());
                mdatBytes += s.frame().size();
            }
        }
        w.end(moof);
        int moofSize = w.size();
        if (8 + mdatBytes > 0xffffffffL) {
            throw new IllegalArgumentException("fragment too large: " + mdatBytes + " bytes of samples");
        }
        for (int i = 0; i < offsetFields.size(); i++) {
            w.patch32(offsetFields.get(i), moofSize + 8 + offsets.get(i));
        }
        w.u32(8 + mdatBytes).fourcc("mdat");
        return new MediaFragment(sequenceNumber, w.toByteArray(), List.copyOf(data), w.size() + mdatBytes);
    }

    /** Writes one track's {@code traf}; returns where its trun's data_offset goes. */
    private static int traf(BoxWriter w, List<Sample> run) {
        Track track = run.get(0).frame().track();
        boolean video = track.codec().isVideo();
        int traf = w.begin("traf");
        int tfhd = w.beginFull("tfhd", 0, TFHD_DEFAULT_BASE_IS_MOOF);
        w.u32(track.index() + 1L);
        w.end(tfhd);
        long base = run.get(0).frame().dts();
        if (base < 0) {
            throw new IllegalArgumentException("track " + track.index() + ": negative decode time " + base);
        }
        int tfdt = w.beginFull("tfdt", 1, 0);
        w.u64(base);
        w.end(tfdt);
        int flags = TRUN_DATA_OFFSET | TRUN_DURATION | TRUN_SIZE
                | (video ? TRUN_FLAGS | TRUN_COMPOSITION_OFFSET : 0);
        int trun = w.beginFull("trun", 1, flags);
        w.u32(run.size());
        int offsetField = w.size();
        w.u32(0);
        long expected = base;
        for (Sample s : run) {
            Frame f = s.frame();
            if (f.dts() != expected) {
                throw new IllegalArgumentException("track " + track.index() + ": sample at decode time " + f.dts()
                        + " does not follow the previous one, which ends at " + expected);
            }
            expected += s.duration();
            w.u32(s.duration()).u32(f.size());
            if (video) {
                long offset = f.pts() - f.dts();
                if (offset != (int) offset) {
                    throw new IllegalArgumentException("track " + track.index() + ": composition offset " + offset
                            + " does not fit");
                }
                w.u32(f.keyframe() ? SYNC : NON_SYNC).u32(offset & 0xffffffffL);
            }
        }
        w.end(trun);
        w.end(traf);
        return offsetField;
    }

    public int sequenceNumber() {
        return sequenceNumber;
    }

    /** Bytes in the fragment: {@code moof}, {@code mdat} header and samples. */
    public long size() {
        return size;
    }

    /**
     * The fragment as buffers for one gathering write: {@code moof} and the {@code mdat} header, then
     * each sample's bytes. Fresh buffers on each call (their positions are the caller's to consume).
     */
    public ByteBuffer[] buffers() {
        ByteBuffer[] out = new ByteBuffer[1 + data.size()];
        out[0] = ByteBuffer.wrap(header).asReadOnlyBuffer();
        for (int i = 0; i < data.size(); i++) {
            out[i + 1] = ByteBuffer.wrap(data.get(i)).asReadOnlyBuffer();
        }
        return out;
    }

    /** The whole fragment in one array (copies the samples). */
    public byte[] toByteArray() {
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("fragment of " + size + " bytes does not fit one array");
        }
        byte[] out = new byte[(int) size];
        System.arraycopy(header, 0, out, 0, header.length);
        int at = header.length;
        for (byte[] d : data) {
            System.arraycopy(d, 0, out, at, d.length);
            at += d.length;
        }
        return out;
    }
}
