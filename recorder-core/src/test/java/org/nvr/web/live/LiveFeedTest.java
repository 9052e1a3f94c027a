package org.nvr.web.live;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.util.ResourceLeakDetector;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nvr.media.Frame;
import org.nvr.testing.MediaProbe;

/** The fan-out on its own: what each viewer receives, in which order, and what a slow one costs. */
class LiveFeedTest {
    static LiveClip clip;

    @BeforeAll
    static void encode() throws Exception {
        clip = new LiveClip(320, 240, 10, 60); // a keyframe every 10 pictures
    }

    /** A viewer's connection: records messages; a stuck one never finishes sending. */
    static final class Recorded implements LiveFeed.Output {
        final List<Object> messages = new ArrayList<>();
        final List<Runnable> unsent = new ArrayList<>();
        boolean stuck;
        String closed;

        @Override
        public synchronized void text(String message) {
            messages.add(message);
        }

        @Override
        public synchronized void binary(ByteBuf data, Runnable sent) {
            messages.add(ByteBufUtil.getBytes(data));
            data.release();
            if (stuck) {
                unsent.add(sent);
            } else {
                sent.run();
            }
        }

        @Override
        public synchronized void close(String reason) {
            closed = reason;
        }

        synchronized void unstick() {
            stuck = false;
            unsent.forEach(Runnable::run);
            unsent.clear();
        }

        List<byte[]> fragments() {
            return messages.stream().skip(2).map(m -> (byte[]) m).toList();
        }
    }

    static LiveFeed feed(LiveFeeds.Limits limits) {
        return new LiveFeeds(List.of("cam"), limits, null).feed("cam").orElseThrow();
    }

    /** The mfhd sequence number: the feed numbers its pictures 1, 2, 3, ... */
    static int sequence(byte[] fragment) {
        return ((fragment[20] & 0xff) << 24) | ((fragment[21] & 0xff) << 16) | ((fragment[22] & 0xff) << 8)
                | (fragment[23] & 0xff);
    }

    @Test
    void aViewerGetsTheCodecThenTheInitThenPicturesFromTheLastKeyframeThatDecode(@TempDir Path dir) throws Exception {
        LiveFeed feed = feed(LiveFeeds.Limits.DEFAULT);
        assertFalse(feed.wantsFrames(), "nobody watches: no frames wanted");
        feed.tracks(List.of(clip.track));
        Recorded early = new Recorded();
        feed.join(early);
        assertTrue(feed.wantsFrames());
        List<Frame> frames = clip.frames;
        for (int i = 0; i < 13; i++) {
            feed.frame(frames.get(i));
        }
        Recorded late = new Recorded(); // joins three pictures after the keyframe of picture 10
        feed.join(late);
        for (int i = 13; i < frames.size(); i++) {
            feed.frame(frames.get(i));
        }
        assertEquals("video/mp4; codecs=\"avc1.42c00d\"", late.messages.get(0).toString().replaceAll("avc1\\.[0-9a-f]{6}", "avc1.42c00d"));
        assertInstanceOf(String.class, late.messages.get(0));
        byte[] init = (byte[]) late.messages.get(1);
        assertEquals("ftyp", new String(init, 4, 4, java.nio.charset.StandardCharsets.US_ASCII));
        assertEquals(11, sequence(late.fragments().get(0)), "starts at the keyframe (picture 10)");
        assertEquals(frames.size() - 10, late.fragments().size(), "then every picture");
        assertEquals(frames.size(), early.fragments().size());

        Path mp4 = dir.resolve("late.mp4");
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        all.writeBytes(init);
        late.fragments().forEach(all::writeBytes);
        Files.write(mp4, all.toByteArray());
        assertEquals(List.of(), MediaProbe.decodeErrors(mp4));
        assertEquals(frames.size() - 10, MediaProbe.frameCount(mp4));
    }

    @Test
    void everyViewerGetsTheSameBytes() {
        LiveFeed feed = feed(LiveFeeds.Limits.DEFAULT);
        feed.tracks(List.of(clip.track));
        List<Recorded> viewers = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            Recorded r = new Recorded();
            feed.join(r);
            viewers.add(r);
        }
        clip.frames.forEach(feed::frame);
        for (Recorded r : viewers.subList(1, viewers.size())) {
            assertEquals(viewers.get(0).messages.size(), r.messages.size());
            for (int i = 1; i < r.messages.size(); i++) {
                assertArrayEquals((byte[]) viewers.get(0).messages.get(i), (byte[]) r.messages.get(i));
            }
        }
        assertEquals(clip.frames.size() + 2, viewers.get(0).messages.size());
    }

    /** A connection that keeps what it is given (as a socket's outbound queue does until sent). */
    static final class Holding implements LiveFeed.Output {
        final List<ByteBuf> held = new ArrayList<>();

        @Override
        public void text(String message) {
        }

        @Override
        public synchronized void binary(ByteBuf data, Runnable sent) {
            held.add(data);
        }

        @Override
        public void close(String reason) {
        }

        synchronized void sendAll() {
            held.forEach(ByteBuf::release);
            held.clear();
        }
    }

    /**
     * Netty's leak detector wraps the buffers it samples (one in 128 by default, every one when paranoid), so a
     * viewer's view is then a wrapper of a view: the memory is compared at the root, under both levels.
     */
    @ParameterizedTest
    @EnumSource(value = ResourceLeakDetector.Level.class, names = {"DISABLED", "PARANOID"})
    void viewersShareOneDirectBufferPerPictureWhichIsFreedOnceSentAndForgotten(ResourceLeakDetector.Level level) {
        ResourceLeakDetector.Level before = ResourceLeakDetector.getLevel();
        ResourceLeakDetector.setLevel(level);
        try {
            viewersShareOneDirectBufferPerPicture();
        } finally {
            ResourceLeakDetector.setLevel(before);
        }
    }

    private void viewersShareOneDirectBufferPerPicture() {
        LiveFeeds feeds = new LiveFeeds(List.of("cam"), LiveFeeds.Limits.DEFAULT, null);
        LiveFeed feed = feeds.feed("cam").orElseThrow();
        feed.tracks(List.of(clip.track));
        List<Holding> viewers = new ArrayList<>();
        List<LiveFeed.Viewer> joined = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            Holding h = new Holding();
            joined.add(feed.join(h));
            viewers.add(h);
        }
        clip.frames.subList(0, 15).forEach(feed::frame);
        List<ByteBuf> pictures = new ArrayList<>(); // what viewer 0 got after the init segment
        for (int k = 1; k <= 15; k++) {
            ByteBuf mine = viewers.get(0).held.get(k);
            assertTrue(mine.isDirect(), "ready for the socket without a copy per viewer");
            assertTrue(mine.unwrap() != null, "a view of one buffer, not a buffer of its own");
            ByteBuf shared = root(mine);
            for (Holding other : viewers.subList(1, viewers.size())) {
                ByteBuf theirs = other.held.get(k);
                assertTrue(root(theirs) == shared, "picture " + k + ": the same buffer for every viewer");
                assertEquals(mine.memoryAddress() + mine.readerIndex(), theirs.memoryAddress() + theirs.readerIndex(),
                        "picture " + k + ": the same memory for every viewer");
            }
            pictures.add(shared);
        }
        viewers.forEach(Holding::sendAll);
        joined.forEach(LiveFeed.Viewer::leave);
        for (ByteBuf b : pictures) {
            assertEquals(0, b.refCnt(), "freed once every viewer sent it and nobody is left to start from it");
        }
    }

    /** The buffer that owns the memory under any views and leak-detector wrappers. */
    private static ByteBuf root(ByteBuf b) {
        while (b.unwrap() != null) {
            b = b.unwrap();
        }
        return b;
    }

    @Test
    void aSlowViewerSkipsToTheNextKeyframeAndItsQueueStaysBounded() {
        long bound = 20_000;
        LiveFeeds feeds = new LiveFeeds(List.of("cam"), new LiveFeeds.Limits(8, bound, 1 << 20), null);
        LiveFeed feed = feeds.feed("cam").orElseThrow();
        feed.tracks(List.of(clip.track));
        Recorded fast = new Recorded();
        Recorded slow = new Recorded();
        feed.join(fast);
        LiveFeed.Viewer slowViewer = feed.join(slow);
        slow.stuck = true;
        long largest = 0;
        for (int i = 0; i < 25; i++) {
            feed.frame(clip.frames.get(i));
            largest = Math.max(largest, slowViewer.queuedBytes());
        }
        assertTrue(largest <= bound, "queued " + largest + " bytes, bound " + bound);
        assertTrue(feeds.droppedFragments() > 0, "the slow viewer skipped pictures");
        assertEquals(25, fast.fragments().size(), "the fast viewer lost nothing");
        int before = slow.fragments().size();
        slow.unstick(); // the network catches up during picture 25..29; it goes on at keyframe 30
        for (int i = 25; i < clip.frames.size(); i++) {
            feed.frame(clip.frames.get(i));
        }
        List<byte[]> after = slow.fragments().subList(before, slow.fragments().size());
        assertEquals(31, sequence(after.get(0)), "resumes at the keyframe of picture 30");
        assertEquals(30 - before, feeds.droppedFragments(), "every picture it missed is counted");
        assertEquals(clip.frames.size() - 30, after.size());
        assertEquals(0, feeds.queuedBytes());
    }

    @Test
    void keptPicturesAreBoundedAndANewcomerThenWaitsForAKeyframe() {
        LiveFeed feed = feed(new LiveFeeds.Limits(8, 1 << 20, 6_000));
        feed.tracks(List.of(clip.track));
        feed.join(new Recorded());
        for (int i = 0; i < 19; i++) {
            feed.frame(clip.frames.get(i));
        }
        Recorded late = new Recorded();
        feed.join(late);
        assertEquals(2, late.messages.size(), "codec and init only: the GOP so far is over the bound");
        feed.frame(clip.frames.get(19));
        assertEquals(2, late.messages.size(), "not a keyframe");
        feed.frame(clip.frames.get(20));
        assertEquals(21, sequence(late.fragments().get(0)));
    }

    @Test
    void viewersQueuedBytesAndSkipsAreMetrics() {
        try (org.nvr.metrics.RecorderMetrics metrics = new org.nvr.metrics.RecorderMetrics()) {
            LiveFeeds feeds = new LiveFeeds(List.of("cam"), new LiveFeeds.Limits(8, 20_000, 1 << 20), metrics.registry());
            LiveFeed feed = feeds.feed("cam").orElseThrow();
            feed.tracks(List.of(clip.track));
            Recorded slow = new Recorded();
            slow.stuck = true;
            feed.join(slow);
            clip.frames.subList(0, 20).forEach(feed::frame);
            String scrape = metrics.scrape();
            assertTrue(scrape.contains("nvr_web_live_viewers 1.0"), scrape);
            assertTrue(scrape.contains("nvr_web_live_queued_bytes " + (double) feeds.queuedBytes()), scrape);
            assertTrue(scrape.contains("nvr_web_live_dropped_total " + (double) feeds.droppedFragments()), scrape);
            assertTrue(scrape.contains("nvr_web_live_sent_bytes_total "), scrape);
            assertTrue(feeds.droppedFragments() > 0);
        }
    }

    @Test
    void theMemoryPerViewerIsShownAndStaysUnderItsBoundWithASlowViewerAmongFastOnes() {
        long bound = 20_000;
        try (org.nvr.metrics.RecorderMetrics metrics = new org.nvr.metrics.RecorderMetrics()) {
            LiveFeeds feeds = new LiveFeeds(List.of("cam"), new LiveFeeds.Limits(8, bound, 1 << 20), metrics.registry());
            LiveFeed feed = feeds.feed("cam").orElseThrow();
            feed.tracks(List.of(clip.track));
            for (int i = 0; i < 4; i++) {
                feed.join(new Recorded());
            }
            Recorded slow = new Recorded();
            slow.stuck = true;
            LiveFeed.Viewer slowViewer = feed.join(slow);
            var registry = metrics.registry();
            for (int i = 0; i < 25; i++) {
                feed.frame(clip.frames.get(i));
                double shown = registry.get("nvr.web.live.viewer.queued.max").gauge().value();
                assertEquals((double) slowViewer.queuedBytes(), shown, "the slow viewer is the largest");
                assertTrue(shown <= bound, "queued " + shown + " bytes, bound " + bound);
            }
            assertTrue(slowViewer.queuedBytes() > 0);
            assertEquals((double) bound, registry.get("nvr.web.live.viewer.queued.limit").gauge().value());
            String scrape = metrics.scrape();
            assertTrue(scrape.contains("nvr_web_live_viewer_queued_max_bytes " + (double) slowViewer.queuedBytes()),
                    scrape);
            assertTrue(scrape.contains("nvr_web_live_viewer_queued_limit_bytes " + (double) bound), scrape);
            slow.unstick();
            assertEquals(0.0, registry.get("nvr.web.live.viewer.queued.max").gauge().value(), "all sent");
        }
    }

    @Test
    void theCameraStoppingClosesItsViewersAndLeavingStopsTheFrames() {
        LiveFeeds feeds = new LiveFeeds(List.of("cam"), new LiveFeeds.Limits(1, 1 << 20, 1 << 20), null);
        LiveFeed feed = feeds.feed("cam").orElseThrow();
        Recorded r = new Recorded();
        LiveFeed.Viewer v = feed.join(r);
        assertTrue(r.messages.isEmpty(), "the camera is not sending yet: nothing to say");
        assertNull(feed.join(new Recorded()), "one viewer at most");
        feed.tracks(List.of(clip.track));
        assertEquals(2, r.messages.size(), "the codec and init as soon as the camera sends");
        feed.frame(clip.frames.get(0));
        feed.end();
        assertEquals("camera stopped", r.closed);
        v.leave();
        v.leave();
        assertEquals(0, feeds.viewers());
        assertFalse(feed.wantsFrames());
    }
}
