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
 * <p>Owned by the {@link Recorder} that acquired it; {@link #close()} is safe twice. Any thread.
 */
public final class StorageLock implements AutoCloseable {
    /** The lock file, at the root beside the index and the footage tree. */
    public static final String NAME = "nvr.lock";

    /** Roots held by this JVM, by their real path; guarded by itself. */
    private static final Map<Path, StorageLock> HELD = new HashMap<>();

    private final Path key;
    private final FileChannel channel;
    private final FileLock lock;
    private boolean closed;

    /** Another recorder writes to the root; the message names it and its PID. */
    public static final class InUseException extends IOException {
        InUseException(String message) {
            super(message);
        }
    }

    private StorageLock(Path key, FileChannel channel, FileLock lock) {
        this.key = key;
        this.channel = channel;
        this.lock = lock;
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
                ch.truncate(0);
                ch.write(ByteBuffer.wrap((self + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
                ch.force(true);
                StorageLock held = new StorageLock(key, ch, lock);
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

    /** The PID the holder wrote; -1 if it has not yet (it writes just after locking). */
    private static long readPid(FileChannel ch) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(32);
        ch.read(buf, 0);
        String text = new String(buf.array(), 0, buf.position(), StandardCharsets.US_ASCII).trim();
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
