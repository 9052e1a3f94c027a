package org.nvr.retention;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import org.nvr.config.NvrConfig;
import org.nvr.config.Retention;

/**
 * The ring buffer's rules as a pure function of what is stored: which footage is too old, and how many
 * bytes of each camera's oldest unlocked footage must go. No I/O, no clock and no state of its own:
 * {@link RetentionEnforcer} feeds it numbers and carries out the answer, oldest segment first.
 *
 * <p>Limits, each optional:
 * <ul>
 *   <li>{@code max_age}: the camera's own, else the global one; footage that ended before
 *       {@code now - max_age} goes;</li>
 *   <li>a camera's {@code max_bytes}: its unlocked footage is trimmed to it;</li>
 *   <li>global {@code max_bytes}: all unlocked footage together stays within it;</li>
 *   <li>the free-space floor, {@code max(min_free_bytes, headroom)}: while free space is below it, the
 *       difference is freed. The headroom (room for the next segment of every camera) is what keeps a
 *       disk with no limits configured from filling up.</li>
 * </ul>
 *
 * <p><b>A floor out of reach.</b> When even deleting every unlocked segment would leave less free space
 * than the floor (something else fills the disk, or holds lock most of it), the floor is not chased:
 * that would delete all footage, each segment as it closed, and still miss it. Only the headroom is
 * freed, so that recording goes on, and the plan says {@link Breach#FLOOR_UNREACHABLE} (a metric,
 * {@code /healthz} and one warning). A {@code min_free_bytes} as large as the disk is refused at start
 * ({@link FreeSpaceFloor}).
 *
 * <p><b>Fair share.</b> The global budget ({@code max_bytes}, lowered by whatever a free-space deficit
 * requires) is divided max-min fairly: every camera keeps {@code min(its unlocked footage, level)}, the
 * level as high as the budget allows. So a camera holding no more than {@code budget / cameras} is never
 * trimmed by the global limits, whatever the bit rate of the others; a camera holding more gives up its
 * oldest footage until it is down to the level; and a share one camera does not use is available to the
 * others. Locked footage is outside all of this: it is never deleted and does not count towards
 * {@code max_bytes} (it does take disk space, which the floor sees).
 *
 * <p>Immutable and thread-safe.
 */
public final class RetentionPolicy {
    private final Retention global;
    private final Map<String, Retention> cameras;

    /** A limit that locked footage alone exceeds, or a floor that cannot be reached. */
    public enum Breach {
        /** Locked footage alone is more than the global {@code max_bytes}. */
        LOCKED_OVER_MAX_BYTES,
        /** A camera's locked footage alone is more than its {@code max_bytes}. */
        LOCKED_OVER_CAMERA_MAX_BYTES,
        /** Deleting every unlocked segment would still leave less free space than the floor. */
        FLOOR_UNREACHABLE
    }

    /** One breached limit; {@code camera} is null for global ones. Equal warnings are the same state. */
    public record Warning(Breach breach, String camera) {
    }

    /** A camera's closed footage in bytes: what retention may delete and what it must keep. */
    public record Usage(long unlocked, long locked) {
    }

    /**
     * What must go.
     *
     * @param bytesToFree per camera, bytes of its oldest unlocked footage to delete (only cameras with
     *                    something to delete are present)
     * @param budget      the global budget for unlocked footage after the free-space deficit, or
     *                    {@link Long#MAX_VALUE} when there is none
     * @param freeDeficit how far free space is below the floor (0 when it is not)
     * @param warnings    limits that cannot be honoured without touching locked footage
     */
    public record Plan(Map<String, Long> bytesToFree, long budget, long freeDeficit, Set<Warning> warnings) {
    }

    public RetentionPolicy(Retention global, Map<String, Retention> cameras) {
        this.global = global;
        this.cameras = Map.copyOf(cameras);
    }

    public static RetentionPolicy of(NvrConfig config) {
        Map<String, Retention> perCamera = new LinkedHashMap<>();
        config.cameras().forEach(c -> perCamera.put(c.id(), c.retention()));
        return new RetentionPolicy(config.storage().retention(), perCamera);
    }

    /** The configured cameras (footage of others follows the global limits). */
    public Set<String> configuredCameras() {
        return cameras.keySet();
    }

    public Optional<Duration> maxAge(String camera) {
        Retention own = cameras.get(camera);
        return own != null && own.maxAge().isPresent() ? own.maxAge() : global.maxAge();
    }

    /** Footage of {@code camera} that ended at or before this instant is too old. */
    public Optional<Instant> ageCutoff(String camera, Instant now) {
        return maxAge(camera).map(now::minus);
    }

    public OptionalLong maxBytes(String camera) {
        Retention own = cameras.get(camera);
        return own == null ? OptionalLong.empty() : own.maxBytes();
    }

    public long minFreeBytes() {
        return global.minFreeBytes().orElse(0);
    }

    /** The free space to keep: {@code min_free_bytes} or the headroom, whichever is larger. */
    public long floor(long headroom) {
        return Math.max(minFreeBytes(), Math.max(0, headroom));
    }

    /**
     * Decides how much of each camera's oldest unlocked footage must go.
     *
     * @param usage     every camera with footage (and any configured camera, with zeros)
     * @param freeBytes free space on the footage filesystem; negative when unknown (no floor applied)
     * @param headroom  free space wanted for the next segments (see {@link #floor})
     */
    public Plan plan(Map<String, Usage> usage, long freeBytes, long headroom) {
        Set<Warning> warnings = new LinkedHashSet<>();
        Map<String, Long> demand = new LinkedHashMap<>();
        long unlockedTotal = 0;
        long lockedTotal = 0;
        long freedByCaps = 0;
        for (Map.Entry<String, Usage> e : usage.entrySet()) {
            String camera = e.getKey();
            Usage u = e.getValue();
            long unlocked = Math.max(0, u.unlocked());
            unlockedTotal += unlocked;
            lockedTotal += Math.max(0, u.locked());
            OptionalLong cap = maxBytes(camera);
            long kept = cap.isPresent() ? Math.min(unlocked, cap.getAsLong()) : unlocked;
            if (cap.isPresent() && u.locked() > cap.getAsLong()) {
                warnings.add(new Warning(Breach.LOCKED_OVER_CAMERA_MAX_BYTES, camera));
            }
            freedByCaps += unlocked - kept;
            demand.put(camera, kept);
        }
        if (global.maxBytes().isPresent() && lockedTotal > global.maxBytes().getAsLong()) {
            warnings.add(new Warning(Breach.LOCKED_OVER_MAX_BYTES, null));
        }
        long floor = floor(headroom);
        long deficit = freeBytes >= 0 && freeBytes < floor ? floor - freeBytes : 0;
        long keptTotal = unlockedTotal - freedByCaps;
        long budget = global.maxBytes().orElse(Long.MAX_VALUE);
        long stillShort = Math.max(0, deficit - freedByCaps);
        if (stillShort > keptTotal) {
            warnings.add(new Warning(Breach.FLOOR_UNREACHABLE, null));
            // Deleting every unlocked segment would not reach the floor: chasing it would only destroy
            // footage. Keep room for the next segments (the headroom), so that recording goes on, and no more.
            long headroomDeficit = freeBytes >= 0 && freeBytes < headroom ? headroom - freeBytes : 0;
            stillShort = Math.max(0, headroomDeficit - freedByCaps);
        }
        if (stillShort > 0) {
            budget = Math.min(budget, Math.max(0, keptTotal - stillShort));
        }
        Map<String, Long> targets = fairShares(demand, budget);
        Map<String, Long> toFree = new LinkedHashMap<>();
        for (Map.Entry<String, Usage> e : usage.entrySet()) {
            long unlocked = Math.max(0, e.getValue().unlocked());
            long excess = unlocked - targets.getOrDefault(e.getKey(), 0L);
            if (excess > 0) {
                toFree.put(e.getKey(), excess);
            }
        }
        return new Plan(Collections.unmodifiableMap(toFree), budget, deficit, Collections.unmodifiableSet(warnings));
    }

    /**
     * Max-min fair division of {@code budget}: each camera gets {@code min(demand, level)} with the level
     * as high as the budget allows (water-filling). Cameras are served smallest demand first; what a
     * small one leaves is split among the rest.
     */
    static Map<String, Long> fairShares(Map<String, Long> demand, long budget) {
        List<Map.Entry<String, Long>> byDemand = new ArrayList<>(demand.entrySet());
        byDemand.sort(Map.Entry.comparingByValue());
        Map<String, Long> shares = new LinkedHashMap<>();
        long remaining = Math.max(0, budget);
        int left = byDemand.size();
        for (Map.Entry<String, Long> e : byDemand) {
            long level = remaining / left;
            long share = Math.min(Math.max(0, e.getValue()), level);
            shares.put(e.getKey(), share);
            remaining -= share;
            left--;
        }
        return shares;
    }
}
