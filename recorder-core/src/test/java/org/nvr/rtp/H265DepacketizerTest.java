package org.nvr.rtp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.nvr.rtp.Packets.concat;
import static org.nvr.rtp.Packets.nal;
import static org.nvr.rtp.Packets.nalUnits;
import static org.nvr.rtp.Packets.rtp;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nvr.media.Codec;
import org.nvr.media.Frame;
import org.nvr.media.Track;

class H265DepacketizerTest {

    // NAL unit header: forbidden bit, type (6 bits), layer id (6 bits), temporal id + 1 (3 bits).
    private static final byte[] VPS = {0x40, 0x01, 0x0C, 0x01, (byte) 0xFF};
    private static final byte[] SPS = {0x42, 0x01, 0x01, 0x01, 0x60};
    private static final byte[] PPS = {0x44, 0x01, (byte) 0xC1, 0x72};
    private static final byte[] IDR = nal(40, 0x26, 0x01, 0xAF); // IDR_W_RADL (19), first slice of the picture
    private static final byte[] CRA = nal(40, 0x2A, 0x01, 0xAF); // CRA_NUT (21)
    private static final byte[] TRAIL = nal(30, 0x02, 0x01, 0xD0); // TRAIL_R (1)
    private static final byte[] SEI = {0x4E, 0x01, 0x05, 0x01, (byte) 0x80};

    private final H265Depacketizer depacketizer =
            new H265Depacketizer(Track.video(0, Codec.H265, 90_000, List.of(VPS, SPS, PPS)));
    private final RtpTrackReceiver receiver = new RtpTrackReceiver(96, depacketizer);
    private final List<Frame> frames = new ArrayList<>();
    private int sequence = 1;

    private void send(int timestamp, boolean marker, byte[] payload) {
        receiver.receive(rtp(sequence++, timestamp, marker, payload), frames::add);
    }

    private static byte[] ap(byte[]... nals) {
        List<byte[]> parts = new ArrayList<>();
        parts.add(new byte[] {(byte) (48 << 1), 0x01});
        for (byte[] nal : nals) {
            parts.add(new byte[] {(byte) (nal.length >> 8), (byte) nal.length});
            parts.add(nal);
        }
        return concat(parts.toArray(new byte[0][]));
    }

    /** FU fragments of {@code nal} cut after the given offsets into the NAL body. */
    private static List<byte[]> fu(byte[] nal, int... cuts) {
        int type = (nal[0] >> 1) & 0x3F;
        List<byte[]> fragments = new ArrayList<>();
        int[] bounds = new int[cuts.length + 2];
        bounds[0] = 2;
        System.arraycopy(cuts, 0, bounds, 1, cuts.length);
        bounds[bounds.length - 1] = nal.length;
        for (int i = 0; i + 1 < bounds.length; i++) {
            int header = (i == 0 ? 0x80 : 0) | (i + 2 == bounds.length ? 0x40 : 0) | type;
            fragments.add(concat(new byte[] {(byte) ((nal[0] & 0x81) | (49 << 1)), nal[1], (byte) header},
                    Arrays.copyOfRange(nal, bounds[i], bounds[i + 1])));
        }
        return fragments;
    }

    private static void assertNalUnits(Frame frame, byte[]... expected) {
        List<byte[]> actual = nalUnits(frame);
        assertEquals(expected.length, actual.size(), "NAL units");
        for (int i = 0; i < expected.length; i++) {
            assertArrayEquals(expected[i], actual.get(i), "NAL unit " + i);
        }
    }

    @Test
    void singleNalUnitsAndAggregationPackets() {
        send(0, false, ap(VPS, SPS, PPS));
        send(0, true, IDR);
        send(3000, true, TRAIL);

        assertEquals(2, frames.size());
        assertNalUnits(frames.get(0), VPS, SPS, PPS, IDR);
        assertTrue(frames.get(0).keyframe());
        assertNalUnits(frames.get(1), TRAIL);
        assertFalse(frames.get(1).keyframe());
        assertSame(depacketizer.track(), frames.get(1).track());
        assertEquals(0, depacketizer.trackChanges());
    }

    @Test
    void fragmentationUnitsAreReassembled() {
        byte[] big = nal(4000, 0x26, 0x01, 0xAF);
        List<byte[]> fragments = fu(big, 1400, 2800);
        send(0, false, ap(VPS, SPS, PPS));
        for (int i = 0; i < fragments.size(); i++) {
            send(0, i == fragments.size() - 1, fragments.get(i));
        }

        assertEquals(1, frames.size());
        assertNalUnits(frames.get(0), VPS, SPS, PPS, big);
    }

    /** CAMERA-QUIRKS: FU fragments whose NAL type changes mid-unit: the first fragment's type counts. */
    @Test
    void fuNalTypeChangingMidUnit() {
        byte[] big = nal(3000, 0x26, 0x01, 0xAF);
        List<byte[]> fragments = fu(big, 1400);
        fragments.get(1)[2] = (byte) ((fragments.get(1)[2] & 0xC0) | 1);
        send(0, false, fragments.get(0));
        send(0, true, fragments.get(1));

        assertEquals(1, frames.size());
        assertNalUnits(frames.get(0), big);
        assertTrue(frames.get(0).keyframe());
    }

    /** CAMERA-QUIRKS: empty fragments: skipped. */
    @Test
    void emptyFragmentsAreSkipped() {
        byte[] big = nal(3000, 0x26, 0x01, 0xAF);
        List<byte[]> fragments = fu(big, 1400);
        send(0, false, fragments.get(0));
        send(0, false, new byte[] {(byte) (49 << 1), 0x01, 0x13}); // a middle fragment, nothing in it
        send(0, false, new byte[] {(byte) (49 << 1), 0x01}); // no FU header at all
        send(0, true, fragments.get(1));

        assertEquals(1, frames.size());
        assertNalUnits(frames.get(0), big);
    }

    /** CAMERA-QUIRKS (V380): Annex B start codes inside single-NAL packets, H.265 too. */
    @Test
    void annexBStartCodesInsideSingleNalPackets() {
        send(0, true, concat(new byte[] {0, 0, 0, 1}, VPS, new byte[] {0, 0, 1}, SPS, new byte[] {0, 0, 1}, PPS,
                new byte[] {0, 0, 0, 1}, IDR));

        assertEquals(1, frames.size());
        assertNalUnits(frames.get(0), VPS, SPS, PPS, IDR);
    }

    /** CAMERA-QUIRKS: marker bit on SEI does not end the picture. */
    @Test
    void markerBitSetOnSei() {
        send(0, true, SEI);
        send(0, true, IDR);

        assertEquals(1, frames.size());
        assertNalUnits(frames.get(0), SEI, IDR);
    }

    @Test
    void anyIrapPictureIsAKeyframe() {
        send(0, true, CRA);

        assertEquals(1, frames.size());
        assertTrue(frames.get(0).keyframe());
    }

    /** CAMERA-QUIRKS: out-of-band H.265 sprop-vps/sps/pps sometimes missing: wait for in-band ones. */
    @Test
    void missingSpropParameterSetsAreTakenFromInBand() {
        H265Depacketizer noSdp = new H265Depacketizer(Track.video(2, Codec.H265, 90_000, List.of()));
        RtpTrackReceiver receiver = new RtpTrackReceiver(96, noSdp);
        receiver.receive(rtp(1, 0, true, TRAIL), frames::add); // before any keyframe: dropped
        receiver.receive(rtp(2, 3000, false, ap(VPS, SPS, PPS)), frames::add);
        receiver.receive(rtp(3, 3000, true, IDR), frames::add);

        assertEquals(1, frames.size());
        List<byte[]> sets = frames.get(0).track().parameterSets();
        assertEquals(3, sets.size());
        assertArrayEquals(VPS, sets.get(0));
        assertArrayEquals(SPS, sets.get(1));
        assertArrayEquals(PPS, sets.get(2));
        assertEquals(2, frames.get(0).track().index());
        assertEquals(1, noSdp.droppedFrames());
    }

    @Test
    void inBandParameterSetsPreferredWhenTheyDiffer() {
        byte[] otherSps = {0x42, 0x01, 0x01, 0x02, 0x20, 0x33};
        send(0, false, ap(VPS, otherSps, PPS));
        send(0, true, IDR);

        assertArrayEquals(otherSps, frames.get(0).track().parameterSets().get(1));
        assertEquals(1, depacketizer.trackChanges());
    }

    /**
     * CAMERA-QUIRKS: H.265 SPS oddities ({@code sps_max_sub_layers_minus1 > 0} and worse): parameter
     * sets are copied, never decoded, so nothing about their contents can stop recording.
     */
    @Test
    void h265SpsOdditiesAreCopiedNotDecoded() {
        byte[] oddSps = {0x42, 0x01, 0x0F, (byte) 0xFF, (byte) 0xFF, 0x00, 0x03, (byte) 0xA0}; // 7 sub-layers, junk
        send(0, false, ap(VPS, oddSps, PPS));
        send(0, true, IDR);

        assertEquals(1, frames.size());
        assertArrayEquals(oddSps, frames.get(0).track().parameterSets().get(1));
    }

    @Test
    void lostFragmentDropsThePictureUntilTheNextKeyframe() {
        byte[] big = nal(3000, 0x02, 0x01, 0xD0);
        send(0, true, IDR);
        List<byte[]> fragments = fu(big, 1000, 2000);
        send(3000, false, fragments.get(0));
        sequence++; // the middle fragment is lost
        send(3000, true, fragments.get(2));
        send(6000, true, TRAIL);
        send(9000, true, IDR);

        assertEquals(List.of(0L, 9000L), frames.stream().map(Frame::pts).toList());
        assertEquals(2, depacketizer.droppedFrames());
    }

    /** PACI packets (type 50) are not something cameras send; skipped and counted. */
    @Test
    void paciPacketsAreSkipped() {
        send(0, false, new byte[] {(byte) (50 << 1), 0x01, 0, 0});
        send(0, true, IDR);

        assertEquals(1, frames.size());
        assertEquals(1, depacketizer.skippedPackets());
    }
}
