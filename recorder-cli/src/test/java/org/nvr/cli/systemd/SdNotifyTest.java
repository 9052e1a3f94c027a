package org.nvr.cli.systemd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sd_notify protocol against a real unix datagram socket, by path and in the abstract namespace. */
class SdNotifyTest {
    static final Duration WAIT = Duration.ofSeconds(5);

    @Test
    void withoutNotifySocketEverythingIsANoOp() {
        try (SdNotify n = SdNotify.fromEnvironment(Map.of("WATCHDOG_USEC", "30000000"))) {
            assertFalse(n.enabled());
            assertEquals(Optional.empty(), n.watchdogInterval());
            n.ready("x");
            n.watchdog();
            n.stopping("y");
        }
    }

    @Test
    void sendsToASocketPath(@TempDir Path dir) throws Exception {
        try (NotifySocket socket = NotifySocket.at(dir.resolve("notify"));
             SdNotify n = SdNotify.fromEnvironment(Map.of("NOTIFY_SOCKET", socket.name()))) {
            assertTrue(n.enabled());
            n.ready("recording 2 camera(s)");
            n.watchdog();
            n.stopping("stopping");
            socket.await("STOPPING=1", WAIT);
            assertEquals(List.of("READY=1\nSTATUS=recording 2 camera(s)", "WATCHDOG=1", "STOPPING=1\nSTATUS=stopping"),
                    socket.messages().stream().map(NotifySocket.Message::text).toList());
        }
    }

    @Test
    void sendsToAnAbstractSocket() throws Exception {
        try (NotifySocket socket = NotifySocket.abstractName();
             SdNotify n = SdNotify.fromEnvironment(Map.of("NOTIFY_SOCKET", socket.name()))) {
            assertTrue(socket.name().startsWith("@"));
            n.ready("ok");
            assertEquals("READY=1\nSTATUS=ok", socket.await("READY=1", WAIT).text());
        }
    }

    @Test
    void unreachableOrForeignSocketsDisableNotifying(@TempDir Path dir) {
        try (SdNotify missing = SdNotify.fromEnvironment(Map.of("NOTIFY_SOCKET", dir.resolve("none").toString()));
             SdNotify vsock = SdNotify.fromEnvironment(Map.of("NOTIFY_SOCKET", "vsock:2:1234"))) {
            assertFalse(missing.enabled());
            assertFalse(vsock.enabled());
            missing.ready("x");
        }
    }

    @Test
    void watchdogIntervalIsHalfTheTimeoutForThisProcessOnly() {
        assertEquals(Optional.of(Duration.ofSeconds(15)),
                SdNotify.watchdogInterval(Map.of("WATCHDOG_USEC", "30000000"), 42));
        assertEquals(Optional.of(Duration.ofSeconds(15)),
                SdNotify.watchdogInterval(Map.of("WATCHDOG_USEC", "30000000", "WATCHDOG_PID", "42"), 42));
        assertEquals(Optional.empty(),
                SdNotify.watchdogInterval(Map.of("WATCHDOG_USEC", "30000000", "WATCHDOG_PID", "7"), 42), "another process's");
        assertEquals(Optional.empty(), SdNotify.watchdogInterval(Map.of("WATCHDOG_USEC", "0"), 42));
        assertEquals(Optional.empty(), SdNotify.watchdogInterval(Map.of("WATCHDOG_USEC", "soon"), 42));
        assertEquals(Optional.empty(), SdNotify.watchdogInterval(Map.of(), 42));
    }
}
