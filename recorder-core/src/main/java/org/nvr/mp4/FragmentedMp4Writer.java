package org.nvr.mp4;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.nvr.media.Frame;
import org.nvr.media.Track;

/**
 * Writes frames to a new fragmented MP4 file: a {@link MediaFragment} whenever the lead track (the first
 * video track, else the first track) reaches a keyframe or has gathered {@code maxFragment} of media, each
 * with one gathering write; the {@link InitSegment} goes out with the first fragment (as FFmpeg's
 * {@code delay_moov}), so that a track whose first frame comes after time zero (audio after the
 * picture a segment opens with) starts with an empty edit there. Without it players, and FFmpeg's
 * duration, count that late start twice.
 *
 * <p>A frame's duration is the time to the next frame of its track, so each track's latest frame is
 * held back until its successor arrives; {@link #close()} writes the held frames with their track's
 * previous duration. {@code store.SegmentRecorder} writes segments with it.
 *
 * <p>One thread (the camera's) calls it; it owns the file channel, which {@link #close()} closes
 * (safe twice). It does not fsync; whoever owns the segment does.
 */
public final class FragmentedMp4Writer implements AutoCloseable {
    private final Path path;
    private final FileChannel channel;
    private final List<Track> tracks;
    private final Map<Integer, Long> presentationOffsets;
    /** Per track: decode time taken off its frames, shown as an empty edit instead; set with the init segment. */
    private final Map<Integer, Long> starts = new HashMap<>();
    private boolean initWritten;
    private final Track lead;
    private final long maxFragmentTicks;
    private final Map<Integer, Frame> held = new HashMap<>();
    private final Map<Integer, Long> lastDuration = new HashMap<>();
    private final List<MediaFragment.Sample> pending = new ArrayList<>();
    private long pendingLeadStart = -1;
    private int sequence;
    private long bytes;
    private boolean closed;

    private FragmentedMp4Writer(Path path, FileChannel channel, List<Track> tracks, Map<Integer, Long> presentationOffsets,
                                Track lead, long maxFragmentTicks) {
        this.path = path;
        this.channel = channel;
        this.tracks = List.copyOf(tracks);
        this.presentationOffsets = Map.copyOf(presentationOffsets);
        this.lead = lead;
        this.maxFragmentTicks = maxFragmentTicks;
    }

    /**
     * Creates {@code path} (which must not exist) for {@code tracks}; the init segment is written with the
     * first fragment.
     *
     * @param maxFragment longest fragment of the lead track; a keyframe cuts one earlier
     * @throws IllegalArgumentException see {@link InitSegment#of}
     */
    public static FragmentedMp4Writer create(Path path, List<Track> tracks, Duration maxFragment) throws IOException {
        return create(path, tracks, maxFragment, Map.of());
    }

    /**
     * As {@link #create(Path, List, Duration)}, with edit lists: see {@link InitSegment#of(List, Map)}.
     */
    public static FragmentedMp4Writer create(Path path, List<Track> tracks, Duration maxFragment,
                                             Map<Integer, Long> presentationOffsets) throws IOException {
        InitSegment.of(tracks, presentationOffsets); // refuses what it cannot write before the file exists
        Track lead = tracks.stream().filter(t -> t.codec().isVideo()).findFirst().orElse(tracks.get(0));
        long ticks = maxFragment.toMillis() * lead.clockRate() / 1000;
        if (ticks <= 0) {
            throw new IllegalArgumentException("fragment duration must be positive: " + maxFragment);
        }
        FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        return new FragmentedMp4Writer(path, channel, tracks, presentationOffsets, lead, ticks);
    }

    /**
     * Adds a frame. Frames of one track come in decode order; tracks may interleave.
     *
     * @throws IllegalArgumentException when the frame's decode time goes back within its track
     * @throws IOException              when writing a finished fragment fails
     */
    public void write(Frame frame) throws IOException {
        if (closed) {
            throw new IllegalStateException("writer for " + path + " is closed");
        }
        int track = frame.track().index();
        Frame previous = held.get(track);
        if (previous != null) {
            long duration = frame.dts() - previous.dts();
            if (duration < 0) {
                throw new IllegalArgumentException("track " + track + ": decode time goes back from "
                        + previous.dts() + " to " + frame.dts());
            }
            lastDuration.put(track, duration);
            add(previous, duration);
        }
        held.put(track, frame);
        if (track == lead.index() && !pending.isEmpty()
                && ((frame.keyframe() && lead.codec().isVideo())
                    || (pendingLeadStart >= 0 && frame.dts() - pendingLeadStart >= maxFragmentTicks))) {
            flush();
        }
    }

    private void add(Frame frame, long duration) {
        if (frame.track().index() == lead.index() && pendingLeadStart < 0) {
            pendingLeadStart = frame.dts();
        }
        pending.add(new MediaFragment.Sample(frame, duration));
    }

    private void flush() throws IOException {
        byte[] init = initWritten ? null : init();
        List<MediaFragment.Sample> samples = new ArrayList<>(pending.size());
        for (MediaFragment.Sample s : pending) {
            long start = starts.getOrDefault(s.frame().track().index(), 0L);
            Frame f = s.frame();
            samples.add(start == 0 ? s : new MediaFragment.Sample(
                    new Frame(f.track(), f.pts() - start, f.dts() - start, f.keyframe(), f.data()), s.duration()));
        }
        MediaFragment fragment = MediaFragment.of(++sequence, samples);
        pending.clear();
        pendingLeadStart = -1;
        ByteBuffer[] buffers = fragment.buffers();
        if (init != null) {
            ByteBuffer[] both = new ByteBuffer[buffers.length + 1];
            both[0] = ByteBuffer.wrap(init);
            System.arraycopy(buffers, 0, both, 1, buffers.length);
            buffers = both;
        }
        writeFully(buffers);
        initWritten = true;
    }

    /**
     * The init segment, from the first fragment's frames: a track other than the lead whose first frame
     * decodes after zero (and has no presentation offset of its own) starts with an empty edit that long,
     * and its frames are written that much earlier.
     */
    private byte[] init() {
        Map<Integer, Long> first = new HashMap<>();
        for (MediaFragment.Sample s : pending) {
            first.putIfAbsent(s.frame().track().index(), s.frame().dts());
        }
        Map<Integer, Long> emptyEdits = new HashMap<>();
        for (Track t : tracks) {
            Long dts = first.get(t.index());
            if (t.index() != lead.index() && dts != null && dts > 0 && !presentationOffsets.containsKey(t.index())) {
                starts.put(t.index(), dts);
                emptyEdits.put(t.index(), dts);
            }
        }
        return InitSegment.of(tracks, presentationOffsets, emptyEdits).bytes();
    }

    private void writeFully(ByteBuffer[] buffers) throws IOException {
        long total = 0;
        for (ByteBuffer b : buffers) {
            total += b.remaining();
        }
        long done = 0;
        while (done < total) {
            done += channel.write(buffers);
        }
        bytes += total;
    }

    /** Bytes written so far. */
    public long bytesWritten() {
        return bytes;
    }

    /** Fragments written so far. */
    public int fragmentCount() {
        return sequence;
    }

    /**
     * Closes the file without writing what is held or pending, after a write failed (a full disk):
     * nothing more goes into a file whose last fragment may be torn. Safe to call twice, and after
     * {@link #close()}.
     */
    public void abandon() {
        if (closed) {
            return;
        }
        closed = true;
        held.clear();
        pending.clear();
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing of the file depends on it: what was written is on disk or torn, and recovery reads it
        }
    }

    /** Writes the held frames and the last fragment, then closes the file. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try (channel) {
            for (Frame f : held.values()) {
                add(f, lastDuration.getOrDefault(f.track().index(), 0L));
            }
            held.clear();
            if (!pending.isEmpty()) {
                flush();
            } else if (!initWritten) {
                writeFully(new ByteBuffer[] {ByteBuffer.wrap(init())});
                initWritten = true;
            }
        }
    }
}
