package org.nvr.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code nvr.lock} tells the next holder: a clean stop only when the holder before marked it, the
 * mark is gone as soon as a new holder takes the root, and the PID line stays first for the message a
 * second recorder gives.
 */
class StorageLockTest {
    @TempDir
    Path root;

    @Test
    void onlyAMarkedStopIsClean() throws Exception {
        try (StorageLock first = StorageLock.acquire(root)) {
            assertFalse(first.previousStopWasClean(), "a new root");
        }
        try (StorageLock unmarked = StorageLock.acquire(root)) {
            assertFalse(unmarked.previousStopWasClean(), "closed without the mark, as a kill leaves it");
            unmarked.markStoppedCleanly();
            String text = Files.readString(root.resolve(StorageLock.NAME));
            assertEquals(ProcessHandle.current().pid() + "\n" + StorageLock.STOPPED_CLEANLY + "\n", text);
        }
        try (StorageLock afterClean = StorageLock.acquire(root)) {
            assertTrue(afterClean.previousStopWasClean());
            assertEquals(ProcessHandle.current().pid() + "\n", Files.readString(root.resolve(StorageLock.NAME)),
                    "the mark is gone while this holder runs: a kill now is an unclean stop");
        }
        try (StorageLock next = StorageLock.acquire(root)) {
            assertFalse(next.previousStopWasClean(), "the holder before did not mark its stop");
        }
    }

    @Test
    void aMarkAfterCloseChangesNothing() throws Exception {
        StorageLock lock = StorageLock.acquire(root);
        lock.close();
        lock.markStoppedCleanly();
        lock.close();
        try (StorageLock next = StorageLock.acquire(root)) {
            assertFalse(next.previousStopWasClean());
        }
    }
}
