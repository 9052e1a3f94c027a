package org.nvr.rtp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.nvr.media.Codec;
import org.nvr.media.Track;

/** The camera's wall clock from sender reports, with our clock injected. */
class CameraClockTest {

    private static final Instant OURS = Instant.parse("2026-12-06T10:00:00.250Z");
    private static final Clock CLOCK = Clock.fixed(OURS, ZoneOffset.UTC);
    private static final int SSRC = 0x0bad_cafe;

    @Test
    void cameraTwoHoursBehind() {
        CameraClock clock = new CameraClock(CLOCK, 90_000);
        assertEquals(Optional.empty(), clock.offset());
        assertEquals(Optional.empty(), clock.cameraTime(0));

        clock.senderReport(report(OURS.minus(Duration.ofHours(2)), 1000), 1000);

        assertEquals(Optional.of(Duration.ofHours(-2)), clock.offset());
        assertEquals(Optional.of(OURS.minus(Duration.ofHours(2)).plusMillis(500)), clock.cameraTime(1000 + 45_000));
        assertEquals(Optional.of(OURS.minus(Duration.ofHours(2)).minusSeconds(1)), clock.cameraTime(1000 - 90_000));
    }

    @Test
    void cameraFiveYearsAhead() {
        Instant camera = OURS.atZone(ZoneOffset.UTC).plusYears(5).toInstant();
        CameraClock clock = new CameraClock(CLOCK, 90_000);

        clock.senderReport(report(camera, 0), 0);

        assertEquals(Optional.of(Duration.between(OURS, camera)), clock.offset());
        assertTrue(clock.offset().get().toDays() >= 5 * 365, String.valueOf(clock.offset()));
        assertEquals(Optional.of(camera.plusSeconds(3600)), clock.cameraTime(3600L * 90_000));
    }

    @Test
    void aCameraSetTo1970IsDecadesBehind() {
        CameraClock clock = new CameraClock(CLOCK, 8000);

        clock.senderReport(report(Instant.EPOCH.plusSeconds(86_400), 0), 0);

        assertEquals(Optional.of(Duration.between(OURS, Instant.EPOCH.plusSeconds(86_400))), clock.offset());
    }

    /** The latest report counts: a camera whose clock was set right moves the offset with it. */
    @Test
    void theLatestReportCounts() {
        CameraClock clock = new CameraClock(CLOCK, 90_000);
        clock.senderReport(report(OURS.plusSeconds(30), 0), 0);
        clock.senderReport(report(OURS.minusMillis(1500), 90_000), 90_000);

        assertEquals(Optional.of(Duration.ofMillis(-1500)), clock.offset());
        assertEquals(Optional.of(OURS.minusMillis(1500)), clock.cameraTime(90_000));
    }

    /**
     * Across the 32-bit wrap of RTP timestamps: a report sent just before it maps the frames after it
     * forward in time, through the receiver's extension of the report's timestamp.
     */
    @Test
    void mapsFramesAcrossTheRtpTimestampWrap() {
        RtpTrackReceiver receiver = new RtpTrackReceiver(8, new G711Depacketizer(Track.audio(1, Codec.PCMA, 8000, null, 8000, 1)));
        int beforeWrap = 0xFFFF_FFFF - 44_999; // half a second before the wrap at 90 kHz
        receiver.receive(Packets.rtp(8, SSRC, 1, beforeWrap, true, new byte[160]), f -> { });
        Instant camera = OURS.plusSeconds(7);
        SenderReport sr = report(camera, beforeWrap);
        OptionalLong extended = receiver.extendForReport(sr);
        CameraClock clock = new CameraClock(CLOCK, 90_000);
        clock.senderReport(sr, extended.getAsLong());

        TimestampExtender frames = new TimestampExtender();
        frames.extend(beforeWrap);
        long afterWrap = frames.extend(45_000); // one second after the report, 32-bit value wrapped past zero

        assertEquals(Optional.of(camera.plusSeconds(1)), clock.cameraTime(afterWrap));
        assertEquals(Integer.toUnsignedLong(beforeWrap), extended.getAsLong());
    }

    /** RTCP of an SSRC the track is not receiving (Tapo), or before any RTP, says nothing of its timestamps. */
    @Test
    void reportsOfAnUnknownSsrcAreNotExtended() {
        RtpTrackReceiver receiver = new RtpTrackReceiver(8, new G711Depacketizer(Track.audio(1, Codec.PCMA, 8000, null, 8000, 1)));
        assertEquals(OptionalLong.empty(), receiver.extendForReport(report(OURS, 0)));

        receiver.receive(Packets.rtp(8, SSRC, 1, 1000, true, new byte[160]), f -> { });

        assertEquals(OptionalLong.empty(), receiver.extendForReport(new SenderReport(SSRC + 1, 0, 0, 0, 0)));
        assertEquals(OptionalLong.of(1000), receiver.extendForReport(report(OURS, 1000)));
    }

    /** A report whose NTP time is {@code camera}, at RTP timestamp {@code rtp}. */
    private static SenderReport report(Instant camera, int rtp) {
        long seconds = camera.getEpochSecond() + SenderReport.NTP_UNIX_OFFSET;
        long fraction = ((long) camera.getNano() << 32) / 1_000_000_000L;
        if (camera.getNano() != 0) {
            fraction++; // round up, so that the exact conversion back (rounding down) gives the same nanosecond
        }
        return new SenderReport(SSRC, seconds << 32 | fraction, rtp, 0, 0);
    }
}
