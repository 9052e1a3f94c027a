package org.nvr.cli.systemd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.nvr.daemon.Liveness;

/** The watchdog is fed while the check passes, withheld while it fails, and fed again when it recovers. */
class WatchdogTest {
    static final Liveness ALIVE = new Liveness(List.of());

    @Test
    void feedsOnlyWhileAlive() throws Exception {
        AtomicReference<Liveness> liveness = new AtomicReference<>(ALIVE);
        try (NotifySocket socket = NotifySocket.abstractName();
             SdNotify systemd = SdNotify.fromEnvironment(Map.of("NOTIFY_SOCKET", socket.name(), "WATCHDOG_USEC", "200000"))) {
            assertEquals(Duration.ofMillis(100), systemd.watchdogInterval().orElseThrow());
            try (Watchdog watchdog = Watchdog.start(systemd, liveness::get)) {
                awaitPings(socket, 3);

                liveness.set(new Liveness(List.of("cam-b: session made no progress for 51 s (bound 50 s)")));
                NotifySocket.Message status = socket.await(m -> m.text().startsWith("STATUS=not alive"),
                        Duration.ofSeconds(2), "status");
                assertEquals("STATUS=not alive: cam-b: session made no progress for 51 s (bound 50 s)", status.text());
                long withheld = pings(socket);
                Thread.sleep(500);
                assertEquals(withheld, pings(socket), "no ping while not alive");

                liveness.set(ALIVE);
                awaitPings(socket, withheld + 2);
            }
            long closed = pings(socket);
            Thread.sleep(300);
            assertEquals(closed, pings(socket), "close stops the pings");
        }
    }

    @Test
    void withoutWatchdogUsecNothingRuns() throws Exception {
        try (NotifySocket socket = NotifySocket.abstractName();
             SdNotify systemd = SdNotify.fromEnvironment(Map.of("NOTIFY_SOCKET", socket.name()));
             Watchdog watchdog = Watchdog.start(systemd, () -> ALIVE)) {
            Thread.sleep(200);
            assertEquals(0, pings(socket));
        }
    }

    private static void awaitPings(NotifySocket socket, long count) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (pings(socket) < count) {
            assertTrue(System.nanoTime() < deadline, "fewer than " + count + " pings within 5 s: " + socket.messages());
            Thread.sleep(20);
        }
    }

    private static long pings(NotifySocket socket) {
        return socket.messages().stream().filter(m -> m.has("WATCHDOG=1")).count();
    }
}
