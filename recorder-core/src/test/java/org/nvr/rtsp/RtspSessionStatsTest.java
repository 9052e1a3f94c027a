package org.nvr.rtsp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.nvr.config.Transport;

class RtspSessionStatsTest {

    @Test
    void sinceGivesTheAmountsToAddToCounters() {
        RtspSessionStats earlier = new RtspSessionStats(100, 2, 5, 1);
        RtspSessionStats now = new RtspSessionStats(350, 3, 9, 1);
        assertEquals(new RtspSessionStats(250, 1, 4, 0), now.since(earlier));
        assertEquals(now, now.since(RtspSessionStats.NONE));
    }

    @Test
    void aSessionRunsOverTcpOrUdpNotAuto() {
        assertEquals(Transport.TCP, RtspSessionOptions.defaults().transport());
        assertEquals(Transport.UDP, RtspSessionOptions.defaults().withTransport(Transport.UDP).transport());
        assertThrows(IllegalArgumentException.class, () -> RtspSessionOptions.defaults().withTransport(Transport.AUTO));
        assertEquals(Transport.TCP, new RtspSessionOptions(Duration.ofSeconds(1), Duration.ofSeconds(1),
                Duration.ofSeconds(1), "nvr", Clock.systemUTC()).transport());
    }
}
