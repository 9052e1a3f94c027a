package org.nvr.metrics;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CredentialCheckTest {
    private static final String GOOD = basic("prometheus:right");
    private static final String WRONG = basic("prometheus:wrong");
    private static final MetricsServer.Limits LIMITS = MetricsServer.Limits.DEFAULT.withVerification(1, 1)
            .withFailures(3, Duration.ofMinutes(1));

    private final TestClock clock = new TestClock();
    private final AtomicInteger checks = new AtomicInteger();
    private CredentialCheck check;

    @AfterEach
    void close() {
        if (check != null) {
            check.close();
        }
    }

    private CredentialCheck counting(Predicate<String> verifier) {
        check = new CredentialCheck(header -> {
            checks.incrementAndGet();
            return verifier.test(header);
        }, LIMITS, clock);
        return check;
    }

    @Test
    void rememberedHeadersSkipTheCheckUntilTheyExpire() throws Exception {
        CredentialCheck credentials = counting(GOOD::equals);
        InetAddress client = InetAddress.getLoopbackAddress();
        assertEquals(CredentialCheck.Outcome.ACCEPTED, outcome(credentials.check(client, GOOD)));
        assertEquals(1, checks.get());
        CompletableFuture<CredentialCheck.Verdict> again = credentials.check(client, GOOD);
        assertTrue(again.isDone(), "answered on the caller's thread");
        assertEquals(CredentialCheck.Outcome.ACCEPTED, outcome(again));
        assertEquals(1, checks.get(), "no second derivation");
        clock.advance(Duration.ofMinutes(10));
        assertEquals(CredentialCheck.Outcome.ACCEPTED, outcome(credentials.check(client, GOOD)));
        assertEquals(2, checks.get(), "checked again once expired");
    }

    @Test
    void missingCredentialsAreRejectedWithoutACheck() throws Exception {
        CredentialCheck credentials = counting(GOOD::equals);
        InetAddress client = InetAddress.getLoopbackAddress();
        for (String header : new String[]{null, "", "Bearer x", "Basi"}) {
            CompletableFuture<CredentialCheck.Verdict> verdict = credentials.check(client, header);
            assertTrue(verdict.isDone());
            assertEquals(CredentialCheck.Outcome.REJECTED, outcome(verdict));
        }
        assertEquals(0, checks.get());
    }

    @Test
    void anAddressWithTooManyFailuresIsThrottledWithoutACheckButARememberedHeaderStillWorks() throws Exception {
        CredentialCheck credentials = counting(GOOD::equals);
        InetAddress client = InetAddress.getLoopbackAddress();
        assertEquals(CredentialCheck.Outcome.ACCEPTED, outcome(credentials.check(client, GOOD)));
        for (int i = 0; i < 3; i++) {
            assertEquals(CredentialCheck.Outcome.REJECTED, outcome(credentials.check(client, WRONG)));
        }
        assertEquals(4, checks.get());
        CompletableFuture<CredentialCheck.Verdict> throttled = credentials.check(client, WRONG);
        assertTrue(throttled.isDone());
        assertEquals(CredentialCheck.Outcome.THROTTLED, outcome(throttled));
        assertEquals(60, throttled.join().retryAfterSeconds());
        assertEquals(CredentialCheck.Outcome.ACCEPTED, outcome(credentials.check(client, GOOD)), "the scraper's header");
        assertEquals(4, checks.get(), "no derivation while throttled");
        clock.advance(Duration.ofMinutes(1));
        assertEquals(CredentialCheck.Outcome.REJECTED, outcome(credentials.check(client, WRONG)), "checked again");
    }

    @Test
    void whenEveryThreadAndQueueSlotIsTakenTheAnswerIsBusyAtOnce() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch started = new CountDownLatch(1);
        CredentialCheck credentials = counting(header -> {
            started.countDown();
            try {
                return release.await(10, TimeUnit.SECONDS) && GOOD.equals(header);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        });
        InetAddress client = InetAddress.getLoopbackAddress();
        CompletableFuture<CredentialCheck.Verdict> running = credentials.check(client, WRONG);
        assertTrue(started.await(10, TimeUnit.SECONDS));
        CompletableFuture<CredentialCheck.Verdict> queued = credentials.check(client, basic("prometheus:other"));
        CompletableFuture<CredentialCheck.Verdict> busy = credentials.check(client, GOOD);
        assertTrue(busy.isDone(), "not queued behind the others");
        assertEquals(CredentialCheck.Outcome.BUSY, outcome(busy));
        assertEquals(1, busy.join().retryAfterSeconds());
        release.countDown();
        assertEquals(CredentialCheck.Outcome.REJECTED, outcome(running));
        assertEquals(CredentialCheck.Outcome.REJECTED, outcome(queued));
        assertEquals(2, checks.get());
    }

    private static CredentialCheck.Outcome outcome(CompletableFuture<CredentialCheck.Verdict> verdict) throws Exception {
        return verdict.get(10, TimeUnit.SECONDS).outcome();
    }

    static String basic(String userPass) {
        return "Basic " + Base64.getEncoder().encodeToString(userPass.getBytes(StandardCharsets.UTF_8));
    }
}
