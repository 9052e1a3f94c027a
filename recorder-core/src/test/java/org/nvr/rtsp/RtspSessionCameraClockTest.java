package org.nvr.rtsp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.EventLoopGroup;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nvr.sim.RtspCameraSimulator;
import org.nvr.sim.SimulatedCamera;
import org.nvr.sim.SyntheticClip;
import org.nvr.testing.Poll;

/**
 * The camera clock offset {@link RtspSession} reads from the RTCP sender reports the simulator sends on
 * the interleaved channel 1 (its wall clock set with {@link RtspCameraSimulator}'s clock), against our
 * clock from {@link RtspSessionOptions#clock()}.
 */
class RtspSessionCameraClockTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    /** Loopback delay and the simulator's millisecond NTP timestamps: far below this. */
    private static final Duration TOLERANCE = Duration.ofMillis(500);
    private static EventLoopGroup group;
    private static SyntheticClip clip;

    @BeforeAll
    static void startLoop() {
        group = RtspTransports.newGroup(1, "rtsp-clock-test");
        clip = SyntheticClip.generate(160, 120, 25, 10, 25, 100_000);
    }

    @AfterAll
    static void stopLoop() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    @Test
    void cameraFiveYearsAhead() throws Exception {
        ZonedDateTime now = ZonedDateTime.now(ZoneOffset.UTC);
        Duration fiveYears = Duration.between(now, now.plusYears(5));
        assertOffset(Clock.offset(Clock.systemUTC(), fiveYears), RtspSessionOptions.defaults(), fiveYears);
    }

    @Test
    void cameraTwoHoursBehind() throws Exception {
        assertOffset(Clock.offset(Clock.systemUTC(), Duration.ofHours(-2)), RtspSessionOptions.defaults(),
                Duration.ofHours(-2));
    }

    /** Our clock is the injected one: ours an hour behind a right camera makes the camera an hour ahead. */
    @Test
    void ourClockIsTheInjectedOne() throws Exception {
        RtspSessionOptions options = RtspSessionOptions.defaults()
                .withClock(Clock.offset(Clock.systemUTC(), Duration.ofHours(-1)));
        assertOffset(Clock.systemUTC(), options, Duration.ofHours(1));
    }

    /**
     * RTCP on the video's channel from an SSRC that is not the video's (Tapo), and malformed RTCP, change
     * nothing: the offset stays the camera's and frames keep coming.
     */
    @Test
    void rtcpOfAStrangersSsrcAndMalformedRtcpAreIgnored() throws Exception {
        try (RtspCameraSimulator simulator = new RtspCameraSimulator(0, Clock.systemUTC())) {
            SimulatedCamera camera = simulator.addCamera("cam", clip);
            simulator.start();
            Received received = new Received();
            RtspSession session = RtspSession.open(group, URI.create(simulator.url("cam")), Optional.empty(),
                    RtspSessionOptions.defaults(), received);
            try {
                Poll.until(WAIT, "a camera clock offset", () -> session.cameraClockOffset().isPresent());
                // a sender report of SSRC 0x7a90 saying 1990, then a packet of RTCP version 1, on channel 1
                long ntp1990 = (631_152_000L + 2_208_988_800L) << 32;
                ByteBuf stranger = Unpooled.buffer();
                stranger.writeByte('$').writeByte(1).writeShort(28 + 8);
                stranger.writeByte(0x80).writeByte(200).writeShort(6).writeInt(0x7a90).writeLong(ntp1990)
                        .writeInt(0).writeInt(1).writeInt(1);
                stranger.writeByte(0x81).writeByte(201).writeShort(1).writeInt(0x7a90);
                stranger.writeByte('$').writeByte(1).writeShort(4).writeByte(0x40).writeByte(200).writeShort(0);
                camera.setGarbage(Arrays.copyOf(stranger.array(), stranger.writerIndex()));
                int before = received.frames().size();
                camera.injectGarbage();
                Poll.until(WAIT, "25 frames after the stranger's RTCP", () -> received.frames().size() >= before + 25);

                Duration offset = session.cameraClockOffset().get();
                assertTrue(offset.abs().compareTo(TOLERANCE) < 0, "offset " + offset);
                assertFalse(session.closeFuture().isDone(), "the session goes on");
            } finally {
                session.close();
                session.closeFuture().await(5, TimeUnit.SECONDS);
            }
        }
    }

    private static void assertOffset(Clock cameraClock, RtspSessionOptions options, Duration expected)
            throws Exception {
        try (RtspCameraSimulator simulator = new RtspCameraSimulator(0, cameraClock)) {
            simulator.addCamera("cam", clip);
            simulator.start();
            Received received = new Received();
            RtspSession session = RtspSession.open(group, URI.create(simulator.url("cam")), Optional.empty(),
                    options, received);
            try {
                assertEquals(Optional.empty(), session.cameraClockOffset(), "no sender report before PLAY");
                Poll.until(WAIT, "a camera clock offset", () -> session.cameraClockOffset().isPresent());
                Duration error = session.cameraClockOffset().get().minus(expected).abs();
                assertTrue(error.compareTo(TOLERANCE) < 0,
                        "offset " + session.cameraClockOffset().get() + ", expected " + expected);
            } finally {
                session.close();
                session.closeFuture().await(5, TimeUnit.SECONDS);
            }
        }
    }
}
