package org.nvr.mp4;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nvr.media.Codec;
import org.nvr.media.Frame;
import org.nvr.media.Track;

/** The bytes of a fragment's {@code moof}, read back field by field, and what it refuses. */
class MediaFragmentTest {
    private static final Track VIDEO = Track.video(0, Codec.H264, 90_000, List.of());
    private static final Track AUDIO = Track.audio(1, Codec.AAC, 8_000, new byte[] {0x15, (byte) 0x88}, 8_000, 1);

    @Test
    void trunGivesEachSampleItsDurationSizeSyncFlagAndSignedOffset() {
        Frame key = new Frame(VIDEO, 9_000, 3_600, true, bytes(10, 1));
        Frame b = new Frame(VIDEO, 3_600, 7_200, false, bytes(20, 2)); // shown before it is decoded
        Frame sound = new Frame(AUDIO, 800, 800, true, bytes(7, 3));
        MediaFragment fragment = MediaFragment.of(42, List.of(
                new MediaFragment.Sample(key, 3_600), new MediaFragment.Sample(sound, 1_024),
                new MediaFragment.Sample(b, 3_600)));
        ByteBuffer all = ByteBuffer.wrap(fragment.toByteArray());

        assertEquals(42, all.getInt(find(all, "mfhd", 0) + 12));
        int videoTraf = find(all, "traf", 0);
        assertEquals(3_600, all.getLong(find(all, "tfdt", videoTraf) + 12));
        int trun = find(all, "trun", videoTraf);
        assertEquals(0x01000f01, all.getInt(trun + 8)); // version 1; offset, duration, size, flags, offsets
        assertEquals(2, all.getInt(trun + 12));
        int dataOffset = all.getInt(trun + 16);
        assertArrayEquals(key.data(), Arrays.copyOfRange(all.array(), dataOffset, dataOffset + 10));
        assertEquals(List.of(3_600, 10, MediaFragment.SYNC, 5_400), ints(all, trun + 20, 4));
        assertEquals(List.of(3_600, 20, MediaFragment.NON_SYNC, -3_600), ints(all, trun + 36, 4));

        int audioTraf = find(all, "traf", videoTraf + 8);
        assertEquals(2, all.getInt(find(all, "tfhd", audioTraf) + 12)); // track_ID = index + 1
        int audioTrun = find(all, "trun", audioTraf);
        assertEquals(0x01000301, all.getInt(audioTrun + 8));
        int audioOffset = all.getInt(audioTrun + 16);
        assertEquals(dataOffset + 30, audioOffset); // after both video samples
        assertArrayEquals(sound.data(), Arrays.copyOfRange(all.array(), audioOffset, audioOffset + 7));
        assertEquals(List.of(1_024, 7), ints(all, audioTrun + 20, 2));
        assertEquals(fragment.size(), all.capacity());
        assertEquals(8 + 37, all.getInt(dataOffset - 8)); // mdat size
    }

    @Test
    void buffersShareTheFramesArraysAndHoldTheSameBytesAsOneArray() {
        Frame a = new Frame(VIDEO, 0, 0, true, bytes(100, 1));
        Frame b = new Frame(VIDEO, 3_600, 3_600, false, bytes(50, 2));
        MediaFragment fragment = MediaFragment.of(1, List.of(new MediaFragment.Sample(a, 3_600),
                new MediaFragment.Sample(b, 3_600)));
        a.data()[0] = 99; // a frame is handed over, never written after: here only to see the buffer follows it

        ByteBuffer[] buffers = fragment.buffers();
        assertEquals(3, buffers.length);
        assertEquals(99, buffers[1].get(0));
        ByteBuffer joined = ByteBuffer.allocate((int) fragment.size());
        for (ByteBuffer buffer : buffers) {
            joined.put(buffer);
        }
        assertArrayEquals(fragment.toByteArray(), joined.array());
    }

    @Test
    void refusesSamplesThatDoNotFollowEachOtherOrStartBeforeZero() {
        Frame first = new Frame(VIDEO, 0, 0, true, bytes(4, 1));
        Frame late = new Frame(VIDEO, 7_200, 7_200, false, bytes(4, 1));
        IllegalArgumentException gap = assertThrows(IllegalArgumentException.class, () -> MediaFragment.of(1,
                List.of(new MediaFragment.Sample(first, 3_600), new MediaFragment.Sample(late, 3_600))));
        assertEquals("track 0: sample at decode time 7200 does not follow the previous one, which ends at 3600",
                gap.getMessage());
        Frame negative = new Frame(VIDEO, 0, -3_600, true, bytes(4, 1));
        assertThrows(IllegalArgumentException.class,
                () -> MediaFragment.of(1, List.of(new MediaFragment.Sample(negative, 3_600))));
        assertThrows(IllegalArgumentException.class, () -> MediaFragment.of(1, List.of()));
    }

    private static byte[] bytes(int n, int value) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) value);
        return b;
    }

    /** Position of the first box of {@code type} at or after {@code from} (its size field). */
    private static int find(ByteBuffer b, String type, int from) {
        byte[] t = type.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        for (int i = from + 4; i + 4 <= b.capacity(); i++) {
            if (b.get(i) == t[0] && b.get(i + 1) == t[1] && b.get(i + 2) == t[2] && b.get(i + 3) == t[3]) {
                return i - 4;
            }
        }
        throw new AssertionError("no " + type + " box after " + from);
    }

    private static List<Integer> ints(ByteBuffer b, int at, int n) {
        Integer[] out = new Integer[n];
        for (int i = 0; i < n; i++) {
            out[i] = b.getInt(at + 4 * i);
        }
        return List.of(out);
    }
}
