package org.nvr.retention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.nvr.config.Retention;
import org.nvr.retention.RetentionPolicy.Breach;
import org.nvr.retention.RetentionPolicy.Plan;
import org.nvr.retention.RetentionPolicy.Usage;
import org.nvr.retention.RetentionPolicy.Warning;

/** The policy alone: numbers in, numbers out, no I/O and no clock. */
class RetentionPolicyTest {
    private static final long MB = 1_000_000;
    private static final Instant NOW = Instant.parse("2026-11-29T12:00:00Z");

    private static Retention limits(Long maxBytes, Long minFree, Duration maxAge) {
        return new Retention(maxBytes == null ? OptionalLong.empty() : OptionalLong.of(maxBytes),
                minFree == null ? OptionalLong.empty() : OptionalLong.of(minFree), Optional.ofNullable(maxAge));
    }

    private static Map<String, Usage> usage(Object... cameraUnlockedLocked) {
        Map<String, Usage> m = new LinkedHashMap<>();
        for (int i = 0; i < cameraUnlockedLocked.length; i += 3) {
            m.put((String) cameraUnlockedLocked[i], new Usage((Long) cameraUnlockedLocked[i + 1],
                    (Long) cameraUnlockedLocked[i + 2]));
        }
        return m;
    }

    @Test
    void noLimitsAndPlentyOfSpaceDeleteNothing() {
        RetentionPolicy p = new RetentionPolicy(Retention.NONE, Map.of("a", Retention.NONE));
        Plan plan = p.plan(usage("a", 900 * MB, 0L), 10_000 * MB, 20 * MB);
        assertEquals(Map.of(), plan.bytesToFree());
        assertEquals(Set.of(), plan.warnings());
    }

    @Test
    void aHighBitrateCameraCannotPushOutACameraWithinItsShare() {
        // budget 100 MB for two cameras: a share is 50 MB. b keeps its 30 MB; a gets the rest, 70 MB.
        RetentionPolicy p = new RetentionPolicy(limits(100 * MB, null, null), Map.of());
        Plan plan = p.plan(usage("a", 95 * MB, 0L, "b", 30 * MB, 0L), -1, 0);
        assertEquals(Map.of("a", 25 * MB), plan.bytesToFree());
    }

    @Test
    void camerasOverTheirShareAreTrimmedToTheSameLevel() {
        RetentionPolicy p = new RetentionPolicy(limits(90 * MB, null, null), Map.of());
        Plan plan = p.plan(usage("a", 80 * MB, 0L, "b", 50 * MB, 0L, "c", 10 * MB, 0L), -1, 0);
        // c keeps 10; a and b share the remaining 80 equally.
        assertEquals(Map.of("a", 40 * MB, "b", 10 * MB), plan.bytesToFree());
    }

    @Test
    void fairSharesAreMaxMinFairAndWithinBudget() {
        Map<String, Long> demand = new LinkedHashMap<>();
        demand.put("a", 7L);
        demand.put("b", 100L);
        demand.put("c", 100L);
        demand.put("d", 0L);
        Map<String, Long> shares = RetentionPolicy.fairShares(demand, 101);
        assertEquals(7L, shares.get("a"));
        assertEquals(0L, shares.get("d"));
        assertEquals(47L, shares.get("b"));
        assertEquals(47L, shares.get("c"));
        assertTrue(shares.values().stream().mapToLong(Long::longValue).sum() <= 101);
    }

    @Test
    void aCameraCapAppliesEvenWithoutAGlobalLimitAndItsShareGoesToOthers() {
        RetentionPolicy p = new RetentionPolicy(limits(100 * MB, null, null),
                Map.of("a", limits(10 * MB, null, null), "b", Retention.NONE));
        Plan plan = p.plan(usage("a", 30 * MB, 0L, "b", 85 * MB, 0L), -1, 0);
        // a is cut to its own 10 MB; b may use the 90 MB left.
        assertEquals(Map.of("a", 20 * MB), plan.bytesToFree());

        RetentionPolicy capOnly = new RetentionPolicy(Retention.NONE, Map.of("a", limits(10 * MB, null, null)));
        assertEquals(Map.of("a", 5 * MB), capOnly.plan(usage("a", 15 * MB, 0L, "b", 999 * MB, 0L), -1, 0).bytesToFree());
    }

    @Test
    void aFreeSpaceDeficitIsFreedFairly() {
        RetentionPolicy p = new RetentionPolicy(limits(null, 50 * MB, null), Map.of());
        // 20 MB free, floor 50 MB: 30 MB must go, taken from the camera over the level.
        Plan plan = p.plan(usage("a", 100 * MB, 0L, "b", 20 * MB, 0L), 20 * MB, 0);
        assertEquals(30 * MB, plan.freeDeficit());
        assertEquals(Map.of("a", 30 * MB), plan.bytesToFree());
    }

    @Test
    void theHeadroomRaisesTheFloorWhenLargerThanMinFree() {
        RetentionPolicy p = new RetentionPolicy(Retention.NONE, Map.of());
        assertEquals(8 * MB, p.floor(8 * MB));
        Plan plan = p.plan(usage("a", 100 * MB, 0L), 3 * MB, 8 * MB);
        assertEquals(Map.of("a", 5 * MB), plan.bytesToFree());
        assertEquals(50 * MB, new RetentionPolicy(limits(null, 50 * MB, null), Map.of()).floor(8 * MB));
    }

    @Test
    void lockedFootageIsNeverPlannedAwayAndBreachesAreReported() {
        RetentionPolicy p = new RetentionPolicy(limits(50 * MB, null, null), Map.of("a", limits(10 * MB, null, null)));
        Plan plan = p.plan(usage("a", 5 * MB, 60 * MB, "b", 40 * MB, 0L), -1, 0);
        assertEquals(Map.of(), plan.bytesToFree(), "unlocked footage (45 MB) is within 50 MB; locked is not counted");
        assertEquals(Set.of(new Warning(Breach.LOCKED_OVER_MAX_BYTES, null),
                new Warning(Breach.LOCKED_OVER_CAMERA_MAX_BYTES, "a")), plan.warnings());
    }

    @Test
    void aFloorThatDeletingEverythingCannotReachIsNotChasedButTheHeadroomIsKept() {
        RetentionPolicy p = new RetentionPolicy(limits(null, 100 * MB, null), Map.of());
        // Deleting all 15 MB of unlocked footage would leave 16 MB free, far from 100 MB: none of it goes.
        Plan plan = p.plan(usage("a", 10 * MB, 500 * MB, "b", 5 * MB, 0L), 1 * MB, 0);
        assertEquals(Map.of(), plan.bytesToFree());
        assertEquals(Set.of(new Warning(Breach.FLOOR_UNREACHABLE, null)), plan.warnings());
        assertEquals(99 * MB, plan.freeDeficit());
        // Room for the next segments (8 MB) is still made, fairly, so that recording goes on.
        Plan withHeadroom = p.plan(usage("a", 10 * MB, 500 * MB, "b", 5 * MB, 0L), 1 * MB, 8 * MB);
        assertEquals(Map.of("a", 6 * MB, "b", 1 * MB), withHeadroom.bytesToFree());
        assertEquals(Set.of(new Warning(Breach.FLOOR_UNREACHABLE, null)), withHeadroom.warnings());
    }

    @Test
    void maxAgeOfTheCameraOverridesTheGlobalOne() {
        RetentionPolicy p = new RetentionPolicy(limits(null, null, Duration.ofDays(30)),
                Map.of("short", limits(null, null, Duration.ofDays(7)), "plain", Retention.NONE));
        assertEquals(Optional.of(NOW.minus(Duration.ofDays(7))), p.ageCutoff("short", NOW));
        assertEquals(Optional.of(NOW.minus(Duration.ofDays(30))), p.ageCutoff("plain", NOW));
        assertEquals(Optional.of(NOW.minus(Duration.ofDays(30))), p.ageCutoff("removed-camera", NOW));
        assertEquals(Optional.empty(), new RetentionPolicy(Retention.NONE, Map.of()).ageCutoff("x", NOW));
    }
}
