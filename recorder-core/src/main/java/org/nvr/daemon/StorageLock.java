package org.nvr.daemon;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;

/**
 * The one-writer rule of a storage root: an OS lock on {@code <root>/nvr.lock}, held by the recording
 * process for as long as it records and released by the kernel when the process dies, even by
 * {@code kill -9}, so a crash never leaves a stale lock behind. The holder's PID is written into the
 * file for the message a second recorder gives. Readers (the query commands, {@code verify}) never take
 * it.
 *
 * <p>The file is never deleted: a process that opened it just before a deletion would lock a file no
 * one else can see, and two recorders would write. Within one JVM a root can be held once; a second
 * attempt is refused before it opens the file, because closing any descriptor of a locked file drops
 * the process's POSIX lock on it.
 *
 * <p>Because the kernel releases the lock however the holder ends, the lock alone cannot tell a clean stop
 * from a kill or a power cut. So the last thing a clean stop does, after the index is closed, is
 * {@link #markStoppedCleanly()}: a second line {@value #STOPPED_CLEANLY} in the file, made durable. The next
 * holder reads it ({@link #previousStopWasClean()}) before it writes its own PID over it, so from then on
 * the file says "not stopped cleanly" until this holder, too, stops cleanly.
 *
 * <p>Owned by the {@link Recorder} that acquired it; {@link #close()} is safe twice. Any thread.
 */
public final class StorageLock implements AutoCloseable {
    /** The lock file, at the root beside the index and the footage tree. */
    public static final String NAME = "nvr.lock";
    /** The line a clean stop adds under the PID. */
    static final String STOPPED_CLEANLY = "stopped cleanly";

    /** Roots held by this JVM, by their real path; guarded by itself. */
    private static final Map<Path, StorageLock> HELD = new HashMap<>();

    private final Path key;
    private final FileChannel channel;
    private final FileLock lock;
    private final boolean previousStopWasClean;
    private final long pid;
    private boolean closed;

    /** Another recorder writes to the root; the message names it and its PID. */
    public static final class InUseException extends IOException {
        InUseException(String message) {
            super(message);
        }
    }

    private StorageLock(Path key, FileChannel channel, FileLock lock, boolean previousStopWasClean, long pid) {
        this.key = key;
        this.channel = channel;
        this.lock = lock;
        this.previousStopWasClean = previousStopWasClean;
        this.pid = pid;
    }

    /**
     * Takes the root for this process; the root must exist.
     *
     * @throws InUseException another process (or another recorder in this one) holds it
     * @throws IOException    the lock file cannot be created or locked
     */
    public static StorageLock acquire(Path root) throws IOException {
        Path key = root.toRealPath();
        Path file = key.resolve(NAME);
        long self = ProcessHandle.current().pid();
        synchronized (HELD) {
            if (HELD.containsKey(key)) {
                throw inUse(root, self);
            }
            FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            try {
                FileLock lock = ch.tryLock();
                if (lock == null) {
                    long holder = readPid(ch);
                    ch.close();
                    throw inUse(root, holder);
                }
                boolean clean = read(ch).lines().anyMatch(STOPPED_CLEANLY::equals);
                write(ch, self + "\n");
                StorageLock held = new StorageLock(key, ch, lock, clean, self);
                HELD.put(key, held);
                return held;
            } catch (IOException | RuntimeException e) {
                if (ch.isOpen()) {
                    ch.close();
                }
                throw e;
            }
        }
    }

    /**
     * Whether the holder before this one ended with {@link #markStoppedCleanly()}. False after a kill, a
     * crash or a power cut, and when the file is new (a first start, or one by a version that did not mark).
     */
    public boolean previousStopWasClean() {
        return previousStopWasClean;
    }

    /**
     * Records, durably, that this holder stops cleanly: call last, after the index is closed, and only
     * when it closed normally. Any thread.
     */
    public void markStoppedCleanly() throws IOException {
        synchronized (HELD) {
            if (!closed) {
                write(channel, pid + "\n" + STOPPED_CLEANLY + "\n");
            }
        }
    }

    private static void write(FileChannel ch, String text) throws IOException {
        ch.truncate(0);
        ch.write(ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII)), 0);
        ch.force(true);
    }

    /** The file's first 64 bytes. */
    private static String read(FileChannel ch) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(64);
        ch.read(buf, 0);
        return new String(buf.array(), 0, buf.position(), StandardCharsets.US_ASCII);
    }

    /** The PID the holder wrote; -1 if it has not yet (it writes just after locking). */
    private static long readPid(FileChannel ch) throws IOException {
        String text = read(ch).lines().findFirst().orElse("").trim();
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static InUseException inUse(Path root, long pid) {
        return new InUseException("storage root " + root + " is in use by nvr ("
                + (pid > 0 ? "pid " + pid : "pid unknown") + "); only one recorder may write to a root");
    }

    /** Releases the root. The file stays (see the class comment). */
    @Override
    public void close() throws IOException {
        synchronized (HELD) {
            if (closed) {
                return;
            }
            closed = true;
            HELD.remove(key, this);
            try {
                lock.release();
            } finally {
                channel.close();
            }
        }
    }
}
