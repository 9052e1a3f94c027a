package org.nvr.web.live;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.nvr.media.Codec;
import org.nvr.media.Frame;
import org.nvr.media.FrameSink;
import org.nvr.media.Track;
import org.nvr.mp4.InitSegment;
import org.nvr.mp4.MediaFragment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One camera's live fan-out: the {@link FrameSink} its recording session feeds, and the browsers
 * watching it. Each picture becomes one small fMP4 fragment (with the audio that came since the previous
 * picture), built once, copied once into a pooled direct buffer (what a socket write needs) and handed
 * to every viewer as a view of that one buffer: N viewers cost one copy and one buffer, not N. A
 * picture's buffer is freed once every viewer has sent it and it is no longer kept for newcomers. A viewer first gets the
 * MSE type (a text message) and the init segment, then fragments starting at a keyframe: the ones kept
 * since the last keyframe, then each new one as it comes.
 *
 * <p>Memory is bounded: the fragments since the last keyframe are kept up to {@link LiveFeeds.Limits}'s
 * bound (beyond it a newcomer waits for the next keyframe), and a viewer whose unsent bytes would pass
 * its bound is skipped ahead to the next keyframe instead of being buffered for. The camera's stream is
 * the same whatever the number of viewers: frames are only built while someone watches
 * ({@link #wantsFrames()}).
 *
 * <p>Threads: the camera's thread calls the {@link FrameSink} methods; viewers join and leave from the
 * web server's event loop; all state is guarded by this object's lock, which is never held while
 * waiting (sending only queues, see {@link Output}). Owned by {@link LiveFeeds}.
 */
public final class LiveFeed implements FrameSink {
    private static final Logger log = LoggerFactory.getLogger(LiveFeed.class);
    /** Audio frames kept while waiting for the picture they go with (about 3 s of AAC). */
    private static final int MAX_PENDING_AUDIO = 150;

    /**
     * Where a viewer's messages go (a WebSocket). Every method only queues and returns at once.
     */
    public interface Output {
        void text(String message);

        /**
         * Queues {@code data}, whose reference it takes (it releases it once sent or failed: a view of a
         * buffer other viewers share); {@code sent} runs (on any thread) once it has left or failed.
         */
        void binary(ByteBuf data, Runnable sent);

        /** Says why and closes; safe after the other side went away. */
        void close(String reason);
    }

    /** One browser watching; its queued byte count is what bounds its memory. */
    public final class Viewer {
        private final Output out;
        private final AtomicLong queued = new AtomicLong();
        private boolean waitingForKeyframe = true;
        /** Skipping pictures because it fell behind (not merely waiting for its first keyframe). */
        private boolean behind;

        private Viewer(Output out) {
            this.out = out;
        }

        /** Bytes handed to the connection and not yet sent. */
        public long queuedBytes() {
            return queued.get();
        }

        /** Stops sending to this viewer (it went away); safe twice. */
        public void leave() {
            LiveFeed.this.leave(this);
        }
    }

    private final String camera;
    private final LiveFeeds.Limits limits;
    private final LiveFeeds.Totals totals;
    private final LiveOutbox.PerLoop outboxes;
    private final List<Viewer> viewers = new ArrayList<>();
    private volatile int viewerCount;

    // What the camera sends now, guarded by this.
    private List<Track> tracks;
    private InitSegment init;
    private String mimeType;
    private Track video;
    private Track audio;
    /**
     * Fragments since the last keyframe (the first one holds it), as the shared buffers viewers get
     * views of; this list holds one reference to each. Empty when over the bound.
     */
    private final List<ByteBuf> sinceKeyframe = new ArrayList<>();
    private long keptBytes;
    private final List<Frame> pendingAudio = new ArrayList<>();
    private long lastVideoDts = Long.MIN_VALUE;
    private long videoDuration;
    private long lastAudioDts = Long.MIN_VALUE;
    private long audioDuration;
    private int sequence;

    LiveFeed(String camera, LiveFeeds.Limits limits, LiveFeeds.Totals totals, LiveOutbox.PerLoop outboxes) {
        this.camera = camera;
        this.limits = limits;
        this.totals = totals;
        this.outboxes = outboxes;
    }

    public String camera() {
        return camera;
    }

    /** Where a live socket on {@code loop} queues what it is sent (one outbox per loop, shared by all feeds). */
    LiveOutbox outbox(EventLoop loop) {
        return outboxes.of(loop);
    }

    /** Viewers watching now. */
    public int viewers() {
        return viewerCount;
    }

    /** The most bytes one of its viewers has handed to its connection and not yet sent, now. */
    public synchronized long largestViewerQueue() {
        long most = 0;
        for (Viewer v : viewers) {
            most = Math.max(most, v.queued.get());
        }
        return most;
    }

    /**
     * Adds a viewer: it gets the MSE type and the init segment now if the camera is sending, then
     * pictures from the last keyframe on. Null when the recorder already has its most viewers.
     */
    public Viewer join(Output out) {
        if (!totals.reserveViewer(limits.maxViewers())) {
            return null;
        }
        Viewer v = new Viewer(out);
        synchronized (this) {
            viewers.add(v);
            viewerCount = viewers.size();
            if (init != null) {
                start(v);
                for (ByteBuf f : sinceKeyframe) {
                    send(v, f, f == sinceKeyframe.get(0));
                }
            }
        }
        return v;
    }

    private void leave(Viewer v) {
        synchronized (this) {
            if (!viewers.remove(v)) {
                return;
            }
            viewerCount = viewers.size();
            if (viewers.isEmpty()) {
                forgetFrames(); // nobody to start from them; frames stop coming (wantsFrames)
            }
        }
        totals.releaseViewer();
    }

    @Override
    public boolean wantsFrames() {
        return viewerCount > 0;
    }

    @Override
    public synchronized void tracks(List<Track> announced) {
        if (tracks != null && sameTracks(tracks, announced)) {
            return;
        }
        tracks = List.copyOf(announced);
        video = announced.stream().filter(t -> t.codec() == Codec.H264 || t.codec() == Codec.H265).findFirst()
                .orElse(null);
        audio = announced.stream().filter(t -> t.codec() == Codec.AAC).findFirst().orElse(null);
        forgetFrames();
        lastVideoDts = Long.MIN_VALUE;
        lastAudioDts = Long.MIN_VALUE;
        init = null;
        mimeType = null;
        if (video == null) {
            log.info("{}: live view needs H.264 or H.265 video; the camera sends {}", camera,
                    announced.stream().map(t -> t.codec().ffmpegName()).toList());
        } else {
            try {
                init = InitSegment.of(audio == null ? List.of(video) : List.of(video, audio));
                mimeType = init.mimeType();
            } catch (IllegalArgumentException e) {
                log.info("{}: no live view: {}", camera, e.getMessage());
            }
        }
        for (Viewer v : viewers) {
            v.waitingForKeyframe = true;
            if (init != null) {
                start(v);
            }
        }
    }

    @Override
    public synchronized void frame(Frame frame) {
        if (init == null || viewers.isEmpty()) {
            return;
        }
        Track t = frame.track();
        if (audio != null && t.index() == audio.index()) {
            if (lastAudioDts != Long.MIN_VALUE && frame.dts() > lastAudioDts) {
                audioDuration = frame.dts() - lastAudioDts;
            }
            lastAudioDts = frame.dts();
            if (pendingAudio.size() < MAX_PENDING_AUDIO) {
                pendingAudio.add(frame);
            }
            return;
        }
        if (t.index() != video.index()) {
            return;
        }
        if (lastVideoDts != Long.MIN_VALUE && frame.dts() > lastVideoDts) {
            videoDuration = frame.dts() - lastVideoDts;
        }
        lastVideoDts = frame.dts();
        MediaFragment fragment;
        try {
            fragment = MediaFragment.of(++sequence, samples(frame));
        } catch (IllegalArgumentException e) {
            // Timestamps that went back: start everyone over at the next keyframe.
            log.debug("{}: live fragment dropped: {}", camera, e.getMessage());
            forgetFrames();
            viewers.forEach(v -> v.waitingForKeyframe = true);
            return;
        } finally {
            pendingAudio.clear();
        }
        if (frame.keyframe()) {
            forgetFrames();
        }
        ByteBuf shared = wire(fragment);
        try {
            if (frame.keyframe() || !sinceKeyframe.isEmpty()) {
                keptBytes += fragment.size();
                if (keptBytes > limits.maxKeptBytes()) {
                    forgetFrames(); // a newcomer waits for the next keyframe instead
                } else {
                    sinceKeyframe.add(shared.retain());
                }
            }
            for (Viewer v : viewers) {
                send(v, shared, frame.keyframe());
            }
        } finally {
            shared.release(); // the kept list and the viewers' views hold their own references
        }
    }

    /** The fragment's bytes in one pooled direct buffer, the one copy all viewers share. */
    private static ByteBuf wire(MediaFragment fragment) {
        ByteBuf buf = PooledByteBufAllocator.DEFAULT.directBuffer(Math.toIntExact(fragment.size()));
        for (java.nio.ByteBuffer b : fragment.buffers()) {
            buf.writeBytes(b);
        }
        return buf;
    }

    /** The picture with the audio that came before it, each with the time to its successor. */
    private List<MediaFragment.Sample> samples(Frame picture) {
        List<MediaFragment.Sample> samples = new ArrayList<>(pendingAudio.size() + 1);
        for (int i = 0; i < pendingAudio.size(); i++) {
            Frame a = pendingAudio.get(i);
            long duration = i + 1 < pendingAudio.size() ? pendingAudio.get(i + 1).dts() - a.dts()
                    : audioDuration > 0 ? audioDuration : 1024;
            samples.add(new MediaFragment.Sample(a, duration));
        }
        long duration = videoDuration > 0 ? videoDuration : picture.track().clockRate() / 25;
        samples.add(new MediaFragment.Sample(picture, duration));
        return samples;
    }

    @Override
    public void end() {
        List<Viewer> gone;
        synchronized (this) {
            gone = List.copyOf(viewers);
            tracks = null;
            init = null;
            mimeType = null;
            forgetFrames();
        }
        // The browsers learn the camera stopped; they ask again (and see its state) on their own.
        for (Viewer v : gone) {
            v.out.close("camera stopped");
        }
    }

    /** Closes every viewer (the recorder is stopping). */
    void closeAll(String reason) {
        List<Viewer> gone;
        synchronized (this) {
            gone = List.copyOf(viewers);
        }
        gone.forEach(v -> v.out.close(reason));
    }

    private void start(Viewer v) {
        v.out.text(mimeType);
        v.waitingForKeyframe = true;
        byte[] bytes = init.bytes();
        v.queued.addAndGet(bytes.length);
        totals.queued(bytes.length);
        v.out.binary(Unpooled.wrappedBuffer(bytes), () -> {
            v.queued.addAndGet(-bytes.length);
            totals.queued(-bytes.length);
        });
    }

    /**
     * Sends a fragment unless the viewer is waiting for a keyframe or would queue more than its bound;
     * then it skips to the next keyframe (a lone fragment always goes, however large).
     */
    private void send(Viewer v, ByteBuf fragment, boolean keyframe) {
        if (v.waitingForKeyframe && !keyframe) {
            if (v.behind) {
                totals.dropped();
            }
            return;
        }
        long size = fragment.readableBytes();
        long queued = v.queued.get();
        if (queued > 0 && queued + size > limits.maxQueuedBytes()) {
            if (!v.waitingForKeyframe) {
                log.debug("{}: a live viewer fell behind ({} bytes queued); skipping to the next keyframe", camera,
                        queued);
            }
            v.waitingForKeyframe = true;
            v.behind = true;
            totals.dropped();
            return;
        }
        v.waitingForKeyframe = false;
        v.behind = false;
        v.queued.addAndGet(size);
        totals.queued(size);
        totals.sent(size);
        v.out.binary(fragment.retainedDuplicate(), () -> {
            v.queued.addAndGet(-size);
            totals.queued(-size);
        });
    }

    private void forgetFrames() {
        sinceKeyframe.forEach(ByteBuf::release);
        sinceKeyframe.clear();
        keptBytes = 0;
        pendingAudio.clear();
    }

    /** Whether {@code b} describes the same tracks as {@code a} (parameter sets compared by content). */
    static boolean sameTracks(List<Track> a, List<Track> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            Track x = a.get(i);
            Track y = b.get(i);
            if (x.index() != y.index() || x.codec() != y.codec() || x.clockRate() != y.clockRate()
                    || x.sampleRate() != y.sampleRate() || x.channels() != y.channels()
                    || !Arrays.equals(x.decoderConfig(), y.decoderConfig())
                    || x.parameterSets().size() != y.parameterSets().size()) {
                return false;
            }
            for (int j = 0; j < x.parameterSets().size(); j++) {
                if (!Arrays.equals(x.parameterSets().get(j), y.parameterSets().get(j))) {
                    return false;
                }
            }
        }
        return true;
    }
}
