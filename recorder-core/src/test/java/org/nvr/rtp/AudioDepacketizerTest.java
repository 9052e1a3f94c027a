package org.nvr.rtp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.nvr.rtp.Packets.concat;
import static org.nvr.rtp.Packets.nal;
import static org.nvr.rtp.Packets.rtp;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nvr.media.Codec;
import org.nvr.media.Frame;
import org.nvr.media.Track;

/** AAC (RFC 3640 AAC-hbr) and G.711. */
class AudioDepacketizerTest {

    private final Track aac = Track.audio(1, Codec.AAC, 16_000, new byte[] {0x14, 0x08}, 16_000, 1);
    private final AacDepacketizer depacketizer = new AacDepacketizer(aac);
    private final RtpTrackReceiver receiver = new RtpTrackReceiver(97, depacketizer);
    private final List<Frame> frames = new ArrayList<>();
    private int sequence = 1;

    private void send(int timestamp, boolean marker, byte[] payload) {
        receiver.receive(rtp(97, 3, sequence++, timestamp, marker, payload), frames::add);
    }

    /** An AAC-hbr payload: AU-headers-length, then 16-bit headers (13-bit size, 3-bit index 0), then the AUs. */
    private static byte[] aacPayload(int[] sizes, byte[]... data) {
        byte[] headers = new byte[2 + 2 * sizes.length];
        int bits = 16 * sizes.length;
        headers[0] = (byte) (bits >> 8);
        headers[1] = (byte) bits;
        for (int i = 0; i < sizes.length; i++) {
            headers[2 + 2 * i] = (byte) (sizes[i] >> 5);
            headers[3 + 2 * i] = (byte) (sizes[i] << 3);
        }
        byte[][] parts = new byte[data.length + 1][];
        parts[0] = headers;
        System.arraycopy(data, 0, parts, 1, data.length);
        return concat(parts);
    }

    @Test
    void severalAccessUnitsInOnePacketAre1024SamplesApart() {
        byte[] first = nal(200, 0x21);
        byte[] second = nal(7, 0x21);
        byte[] third = nal(300, 0x21);
        send(1000, true, aacPayload(new int[] {200, 7, 300}, first, second, third));

        assertEquals(3, frames.size());
        assertArrayEquals(first, frames.get(0).data());
        assertArrayEquals(second, frames.get(1).data());
        assertArrayEquals(third, frames.get(2).data());
        assertEquals(List.of(1000L, 2024L, 3048L), frames.stream().map(Frame::pts).toList());
        assertEquals(List.of(1000L, 2024L, 3048L), frames.stream().map(Frame::dts).toList());
        assertTrue(frames.stream().allMatch(Frame::keyframe));
        assertEquals(aac, frames.get(0).track());
    }

    @Test
    void anAccessUnitFragmentedAcrossPacketsComesOutWhole() {
        byte[] big = nal(3000, 0x21);
        send(5000, false, aacPayload(new int[] {3000}, Arrays.copyOfRange(big, 0, 1400)));
        send(5000, false, aacPayload(new int[] {3000}, Arrays.copyOfRange(big, 1400, 2800)));
        send(5000, true, aacPayload(new int[] {3000}, Arrays.copyOfRange(big, 2800, 3000)));
        send(6024, true, aacPayload(new int[] {5}, nal(5, 0x21)));

        assertEquals(2, frames.size());
        assertArrayEquals(big, frames.get(0).data());
        assertEquals(5000, frames.get(0).pts());
        assertEquals(6024, frames.get(1).pts());
        assertEquals(0, depacketizer.droppedFrames());
    }

    @Test
    void aLostFragmentDropsItsAccessUnitAndOnlyThat() {
        byte[] big = nal(3000, 0x21);
        send(5000, false, aacPayload(new int[] {3000}, Arrays.copyOfRange(big, 0, 1400)));
        sequence++;
        send(5000, true, aacPayload(new int[] {3000}, Arrays.copyOfRange(big, 2800, 3000)));
        send(6024, true, aacPayload(new int[] {5}, nal(5, 0x21)));

        assertEquals(1, frames.size());
        assertEquals(6024, frames.get(0).pts());
        assertEquals(1, depacketizer.droppedFrames());
    }

    @Test
    void aLostFirstFragmentNeverYieldsATruncatedAccessUnit() {
        byte[] big = nal(3000, 0x21);
        sequence++; // the first fragment is lost
        send(5000, false, aacPayload(new int[] {3000}, Arrays.copyOfRange(big, 1400, 2800)));
        send(5000, true, aacPayload(new int[] {3000}, Arrays.copyOfRange(big, 2800, 3000)));
        send(6024, true, aacPayload(new int[] {5}, nal(5, 0x21)));

        assertEquals(List.of(6024L), frames.stream().map(Frame::pts).toList());
        assertEquals(1, depacketizer.droppedFrames());
    }

    @Test
    void whenAFragmentedUnitNeverEndsThePacketAfterItIsStillUsed() {
        byte[] big = nal(3000, 0x21);
        send(5000, false, aacPayload(new int[] {3000}, Arrays.copyOfRange(big, 0, 1400)));
        send(6024, true, aacPayload(new int[] {5, 5}, nal(5, 0x21), nal(5, 0x21))); // no gap in sequence numbers

        assertEquals(List.of(6024L, 7048L), frames.stream().map(Frame::pts).toList());
        assertEquals(1, depacketizer.droppedFrames());
    }

    @Test
    void aFragmentCutShortByTheMarkerIsDropped() {
        byte[] big = nal(3000, 0x21);
        send(5000, false, aacPayload(new int[] {3000}, Arrays.copyOfRange(big, 0, 1400)));
        send(5000, true, aacPayload(new int[] {3000}, Arrays.copyOfRange(big, 1400, 2000)));

        assertEquals(0, frames.size());
        assertEquals(1, depacketizer.droppedFrames());
    }

    @Test
    void auHeadersPromisingMoreThanThePacketHoldsDropTheMissingUnits() {
        send(0, true, aacPayload(new int[] {4, 50}, nal(4, 0x21), nal(10, 0x21)));
        send(2048, true, concat(new byte[] {0, 32}, new byte[1])); // headers run past the payload

        assertEquals(1, frames.size());
        assertEquals(2, depacketizer.droppedFrames());
    }

    @Test
    void timestampsInAnotherClockThanTheSampleRateScaleTheFrameDuration() {
        AacDepacketizer at90k = new AacDepacketizer(Track.audio(1, Codec.AAC, 90_000, null, 45_000, 2));
        at90k.push(rtp(97, 3, 1, 0, true, aacPayload(new int[] {1, 1}, new byte[1], new byte[1])), 0, frames::add);

        assertEquals(List.of(0L, 2048L), frames.stream().map(Frame::pts).toList());
    }

    @Test
    void g711PayloadIsTheFrameAsItIs() {
        G711Depacketizer pcmu = new G711Depacketizer(Track.audio(2, Codec.PCMU, 8000, null, 8000, 1));
        RtpTrackReceiver g711 = new RtpTrackReceiver(0, pcmu);
        byte[] samples = nal(160, 0xFF);
        g711.receive(rtp(0, 9, 65_535, 0xFFFF_FF60, false, samples), frames::add);
        g711.receive(rtp(0, 9, 0, 0x0000_0000, false, samples), frames::add);
        g711.receive(rtp(0, 9, 1, 0x0000_00A0, false, new byte[0]), frames::add);

        assertEquals(2, frames.size());
        assertArrayEquals(samples, frames.get(0).data());
        assertEquals(List.of(0xFFFF_FF60L, 0x1_0000_0000L), frames.stream().map(Frame::pts).toList());
        assertEquals(0, g711.sequence().lost());
        assertEquals(2, pcmu.frames());
    }
}
