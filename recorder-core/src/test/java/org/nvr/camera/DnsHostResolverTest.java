package org.nvr.camera;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.EventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nvr.testing.FakeDnsServer;

/**
 * {@link DnsHostResolver} against a real name server on loopback: every lookup asks it (a moved name is
 * followed at once, whatever the TTL), a silent one fails the lookup within a bound, and the event loop
 * the lookups run on stays free meanwhile.
 */
class DnsHostResolverTest {
    final MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    final EventLoop loop = group.next();

    @AfterEach
    void shutDown() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    @Test
    void everyLookupAsksTheServerSoAMovedNameIsFollowedAtOnce() throws Exception {
        try (FakeDnsServer dns = FakeDnsServer.answering();
             DnsHostResolver resolver = new DnsHostResolver(loop, List.of(dns.address()))) {
            dns.answer("cam.ddns.example", InetAddress.getByName("127.0.0.2"));
            assertEquals(InetAddress.getByName("127.0.0.2"), resolver.resolve("cam.ddns.example").get(5, TimeUnit.SECONDS));
            dns.answer("cam.ddns.example", InetAddress.getByName("127.0.0.3")); // the modem reconnected
            assertEquals(InetAddress.getByName("127.0.0.3"), resolver.resolve("cam.ddns.example").get(5, TimeUnit.SECONDS),
                    "the new address at the next lookup, though the old answer's TTL was 300 s");
            ExecutionException gone = assertThrows(ExecutionException.class,
                    () -> resolver.resolve("gone.ddns.example").get(5, TimeUnit.SECONDS));
            assertTrue(gone.getCause() instanceof UnknownHostException, gone.getCause().toString());
        }
    }

    @Test
    void aSilentServerFailsTheLookupWithinItsBoundWithoutHoldingTheLoop() throws Exception {
        try (FakeDnsServer dns = FakeDnsServer.silent();
             DnsHostResolver resolver = new DnsHostResolver(loop, List.of(dns.address()))) {
            long start = System.nanoTime();
            CompletableFuture<InetAddress> lookup = resolver.resolve("cam.ddns.example");
            // The first lookup of the process loads Netty's DNS classes on the loop (about 0.5 s here, once).
            loop.submit(() -> null).get(5, TimeUnit.SECONDS);
            for (int i = 0; i < 10; i++) { // then the loop answers at once while the query is out
                long asked = System.nanoTime();
                loop.submit(() -> null).get(1, TimeUnit.SECONDS);
                long micros = (System.nanoTime() - asked) / 1000;
                assertTrue(micros < 100_000, "the loop took " + micros + " us to run a task");
                Thread.sleep(100);
            }
            assertTrue(!lookup.isDone(), "still waiting for the silent server");
            ExecutionException e = assertThrows(ExecutionException.class, () -> lookup.get(30, TimeUnit.SECONDS));
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(millis < DnsHostResolver.QUERY_TIMEOUT.toMillis() * 4, "failed after " + millis + " ms: " + e.getCause());
            assertTrue(dns.queries() >= 1, "the query reached the server");
        }
    }

    @Test
    void ipLiteralsNeedNoServer() throws Exception {
        try (FakeDnsServer dns = FakeDnsServer.silent();
             DnsHostResolver resolver = new DnsHostResolver(loop, List.of(dns.address()))) {
            assertEquals(InetAddress.getByName("192.0.2.7"), resolver.resolve("192.0.2.7").get(1, TimeUnit.SECONDS));
            assertEquals(InetAddress.getByName("::1"), resolver.resolve("[::1]").get(1, TimeUnit.SECONDS));
            assertEquals(0, dns.queries());
        }
    }
}
