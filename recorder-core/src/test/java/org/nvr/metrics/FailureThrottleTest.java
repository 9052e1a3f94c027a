package org.nvr.metrics;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.time.Duration;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

class FailureThrottleTest {
    private final TestClock clock = new TestClock();
    private final FailureThrottle throttle = new FailureThrottle(3, Duration.ofMinutes(1), clock, 2);

    @Test
    void refusesAnAddressAfterItsAllowedFailuresUntilTheWindowEnds() throws Exception {
        InetAddress guesser = InetAddress.getByName("10.0.0.9");
        InetAddress other = InetAddress.getByName("10.0.0.10");
        for (int i = 0; i < 3; i++) {
            assertEquals(Optional.empty(), throttle.retryAfter(guesser), "failure " + i + " is still checked");
            throttle.failed(guesser);
            clock.advance(Duration.ofSeconds(10));
        }
        // The window began at the first failure, 30 s ago.
        assertEquals(Optional.of(Duration.ofSeconds(30)), throttle.retryAfter(guesser));
        assertEquals(Optional.empty(), throttle.retryAfter(other), "other addresses are not affected");
        clock.advance(Duration.ofSeconds(29));
        assertEquals(Optional.of(Duration.ofSeconds(1)), throttle.retryAfter(guesser));
        clock.advance(Duration.ofSeconds(1));
        assertEquals(Optional.empty(), throttle.retryAfter(guesser), "a new window");
        throttle.failed(guesser);
        assertEquals(Optional.empty(), throttle.retryAfter(guesser), "counting starts again");
    }

    @Test
    void aSuccessForgetsTheFailures() throws Exception {
        InetAddress scraper = InetAddress.getByName("10.0.0.1");
        throttle.failed(scraper);
        throttle.failed(scraper);
        throttle.succeeded(scraper);
        throttle.failed(scraper);
        throttle.failed(scraper);
        assertEquals(Optional.empty(), throttle.retryAfter(scraper));
    }

    @Test
    void tracksABoundedNumberOfAddressesDroppingFinishedWindowsFirst() throws Exception {
        InetAddress a = InetAddress.getByName("10.0.0.1");
        InetAddress b = InetAddress.getByName("10.0.0.2");
        InetAddress c = InetAddress.getByName("10.0.0.3");
        for (int i = 0; i < 3; i++) {
            throttle.failed(a);
        }
        clock.advance(Duration.ofSeconds(30));
        for (int i = 0; i < 3; i++) {
            throttle.failed(b);
        }
        throttle.failed(c);
        assertEquals(2, throttle.tracked());
        assertEquals(Optional.empty(), throttle.retryAfter(a), "the oldest window made room");
        assertEquals(Optional.of(Duration.ofMinutes(1)), throttle.retryAfter(b));
    }
}
