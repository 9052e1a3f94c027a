package org.nvr.footage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.nvr.store.SegmentPaths;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A file an operator asked for ({@code OUT.mp4} and its companions such as {@code OUT.mp4.json}, or
 * {@code OUT.jpg}), claimed before anything is written and published all together or not at all.
 *
 * <h2>What may be written</h2>
 * The output's directory is resolved to its real path (so a symlink cannot lead elsewhere) and must not
 * lie inside the storage root: the index, the segments and anything else the recorder keeps are never
 * an output, whatever the layout under the root. An existing file under an output's name must be a
 * regular file (not a symlink, directory, device or FIFO), even with {@code overwrite}, and is replaced
 * only with {@code overwrite}.
 *
 * <h2>One writer per name</h2>
 * A claim holds an exclusive lock on {@code .NAME.lock} in the same directory until it is closed, so two
 * exports to one name cannot both succeed: the second is refused ({@link Refusal#BUSY}), whether it runs
 * in another process or in this one (claims of this JVM are also kept in a set, see {@link #claim}). The lock file
 * carries a token of its holder; a claimant that locked a lock file the previous holder had just
 * removed sees another token (or none) under the name and tries again. The lock file is removed on
 * close; one left by a crash holds no lock and is reused.
 *
 * <h2>Publishing</h2>
 * Content is written to temporary files in the same directory, created new ({@code .NAME.RANDOM.partial});
 * {@link #publish()} fsyncs them, checks the names again, then renames the main file and each companion
 * into place and fsyncs the directory. Should a companion fail to publish, the main file just published
 * is removed: there is never an export without its manifest. Temporary files left unpublished are
 * removed on close.
 *
 * <p>One claim per export, used by the exporting thread; owns its lock and temporary files.
 */
public final class OutputFile implements AutoCloseable {
    /** Why an output was refused. {@link #BUSY} is a run-time conflict; the others are bad usage. */
    public enum Refusal {
        NO_DIRECTORY, IS_DIRECTORY, NOT_REGULAR, EXISTS, INSIDE_STORAGE, BUSY
    }

    /** The output cannot be written where it was asked for. */
    public static final class RefusedException extends Exception {
        private final Refusal refusal;
        private final Path path;

        RefusedException(Refusal refusal, Path path, String message) {
            super(message);
            this.refusal = refusal;
            this.path = path;
        }

        public Refusal refusal() {
            return refusal;
        }

        /** The path at fault (the output, its directory, or a companion). */
        public Path path() {
            return path;
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(OutputFile.class);
    private static final int LOCK_ATTEMPTS = 3;
    /** Lock files claimed by this JVM. */
    private static final Set<Path> CLAIMED = ConcurrentHashMap.newKeySet();

    private final Path file;
    private final List<Path> companions;
    private final boolean overwrite;
    private final Path lockFile;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final Map<Path, Path> temps = new LinkedHashMap<>();
    private boolean closed;

    private OutputFile(Path file, List<Path> companions, boolean overwrite, Path lockFile, FileChannel lockChannel,
                       FileLock lock) {
        this.file = file;
        this.companions = companions;
        this.overwrite = overwrite;
        this.lockFile = lockFile;
        this.lockChannel = lockChannel;
        this.lock = lock;
    }

    /**
     * Checks and claims {@code requested} and its companions ({@code requested} plus each suffix).
     *
     * @param storageRoot the recorder's storage root, never written into
     * @throws RefusedException the output may not be written there, or another export holds the name
     */
    public static OutputFile claim(Path requested, Path storageRoot, boolean overwrite, String... companionSuffixes)
            throws RefusedException, IOException {
        Path absolute = requested.toAbsolutePath().normalize();
        Path parent = absolute.getParent();
        if (absolute.getFileName() == null || parent == null || !Files.isDirectory(parent)) {
            throw new RefusedException(Refusal.NO_DIRECTORY, parent, "directory " + parent + " does not exist");
        }
        Path realParent = parent.toRealPath();
        Path realRoot = realOrAbsolute(storageRoot);
        if (realParent.startsWith(realRoot)) {
            throw new RefusedException(Refusal.INSIDE_STORAGE, absolute, absolute + " is inside the storage root "
                    + realRoot + ": exports go outside it (the index and the footage are never overwritten)");
        }
        String name = absolute.getFileName().toString();
        Path file = realParent.resolve(name);
        List<Path> companions = new ArrayList<>();
        for (String suffix : companionSuffixes) {
            companions.add(realParent.resolve(name + suffix));
        }
        checkNames(file, companions, overwrite);
        Path lockFile = realParent.resolve("." + name + ".lock");
        // Within this JVM the name is taken here, before any channel to the lock file is opened: closing a
        // second channel to a file would drop the first one's lock (POSIX record locks are per process).
        if (!CLAIMED.add(lockFile)) {
            throw busy(file, lockFile);
        }
        boolean claimed = false;
        try {
            OutputFile out = lock(file, companions, overwrite, lockFile);
            claimed = true;
            return out;
        } finally {
            if (!claimed) {
                CLAIMED.remove(lockFile);
            }
        }
    }

    private static OutputFile lock(Path file, List<Path> companions, boolean overwrite, Path lockFile)
            throws RefusedException, IOException {
        for (int attempt = 0; attempt < LOCK_ATTEMPTS; attempt++) {
            FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
            FileLock lock = null;
            try {
                try {
                    lock = ch.tryLock();
                } catch (OverlappingFileLockException e) {
                    lock = null; // locked in this JVM other than through a claim
                }
                if (lock == null) {
                    throw busy(file, lockFile);
                }
                checkLockFile(lockFile);
                if (holdsName(ch, lockFile)) {
                    try {
                        checkNames(file, companions, overwrite); // an export may have finished before we locked
                    } catch (RefusedException e) {
                        Files.deleteIfExists(lockFile);
                        throw e;
                    }
                    return new OutputFile(file, List.copyOf(companions), overwrite, lockFile, ch, lock);
                }
                lock.release(); // the previous holder removed this lock file as we opened it: try again
                ch.close();
            } catch (IOException | RuntimeException | RefusedException e) {
                if (lock != null && lock.isValid() && ch.isOpen()) {
                    lock.release();
                }
                ch.close();
                throw e;
            }
        }
        throw busy(file, lockFile);
    }

    private static RefusedException busy(Path file, Path lockFile) {
        return new RefusedException(Refusal.BUSY, file, "another export is writing " + file + " (it holds "
                + lockFile.getFileName() + ")");
    }

    /** The output's path (in its real directory). */
    public Path file() {
        return file;
    }

    /** The companions' paths, in the order given to {@link #claim}. */
    public List<Path> companions() {
        return companions;
    }

    /**
     * The temporary file that becomes {@code target} (the output or a companion) when published; created
     * new and empty on first use, in the output's directory.
     */
    public Path temp(Path target) throws IOException {
        if (!target.equals(file) && !companions.contains(target)) {
            throw new IllegalArgumentException(target + " is not part of this output");
        }
        Path t = temps.get(target);
        if (t == null) {
            t = Files.createFile(target.resolveSibling("." + target.getFileName() + "."
                    + UUID.randomUUID().toString().substring(0, 8) + ".partial"));
            temps.put(target, t);
        }
        return t;
    }

    /** Writes {@code bytes} as the content of {@code target}'s temporary file. */
    public void write(Path target, byte[] bytes) throws IOException {
        Files.write(temp(target), bytes, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
    }

    /**
     * Moves the output and every companion into place, durably. Each must have been written.
     *
     * @throws RefusedException a name became something that may not be replaced since the claim
     * @throws IOException      publishing failed; nothing of this output is left under its names
     */
    public void publish() throws RefusedException, IOException {
        List<Path> all = new ArrayList<>();
        all.add(file);
        all.addAll(companions);
        for (Path target : all) {
            if (!temps.containsKey(target)) {
                throw new IllegalStateException(target + " was not written");
            }
        }
        for (Path target : all) {
            try (FileChannel ch = FileChannel.open(temps.get(target), StandardOpenOption.WRITE)) {
                ch.force(true);
            }
        }
        checkNames(file, companions, overwrite);
        List<Path> published = new ArrayList<>();
        try {
            for (Path target : all) {
                move(temps.get(target), target);
                temps.remove(target);
                published.add(target);
            }
        } catch (IOException e) {
            for (Path p : published) {
                Files.deleteIfExists(p);
            }
            throw e;
        } finally {
            SegmentPaths.fsyncDirectory(file.getParent());
        }
    }

    /** Removes what was not published and releases the name. Safe twice; never throws. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Path t : temps.values()) {
            deleteQuietly(t);
        }
        temps.clear();
        deleteQuietly(lockFile); // while still locked, so that no one locks a file about to go
        try {
            if (lock.isValid()) {
                lock.release();
            }
            lockChannel.close();
        } catch (IOException e) {
            LOG.warn("{}: cannot release the lock: {}", lockFile, e.getMessage());
        } finally {
            CLAIMED.remove(lockFile);
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            LOG.warn("cannot remove {}: {}", p, e.getMessage());
        }
    }

    private static void checkNames(Path file, List<Path> companions, boolean overwrite) throws RefusedException {
        checkName(file, overwrite);
        for (Path c : companions) {
            checkName(c, overwrite);
        }
    }

    private static void checkName(Path p, boolean overwrite) throws RefusedException {
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
            throw new RefusedException(Refusal.IS_DIRECTORY, p, p + " is a directory");
        }
        if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
            throw new RefusedException(Refusal.NOT_REGULAR, p, p + " exists and is not a regular file"
                    + (Files.isSymbolicLink(p) ? " (a symbolic link)" : "") + "; it is never replaced");
        }
        if (!overwrite) {
            throw new RefusedException(Refusal.EXISTS, p, p + " exists");
        }
    }

    /**
     * The lock file is written to, so it must be a plain file of its own: not a hard link to something
     * else (the index, a segment) that a hostile hand put under its name.
     */
    private static void checkLockFile(Path lockFile) throws RefusedException, IOException {
        boolean plain = Files.isRegularFile(lockFile, LinkOption.NOFOLLOW_LINKS);
        if (plain) {
            try {
                plain = ((Number) Files.getAttribute(lockFile, "unix:nlink", LinkOption.NOFOLLOW_LINKS)).intValue() == 1;
            } catch (UnsupportedOperationException | IllegalArgumentException e) {
                // no link count on this file system: a regular file is all that can be checked
            }
        }
        if (!plain) {
            throw new RefusedException(Refusal.NOT_REGULAR, lockFile, lockFile
                    + " is not a plain file of its own (a link to another file?); remove it and try again");
        }
    }

    /** Writes a fresh token into the locked file and reads it back through its name. */
    private static boolean holdsName(FileChannel ch, Path lockFile) throws IOException {
        byte[] token = (ProcessHandle.current().pid() + " " + UUID.randomUUID() + "\n").getBytes(StandardCharsets.US_ASCII);
        ch.truncate(0);
        ByteBuffer buf = ByteBuffer.wrap(token);
        long pos = 0;
        while (buf.hasRemaining()) {
            pos += ch.write(buf, pos);
        }
        try {
            return java.util.Arrays.equals(token, Files.readAllBytes(lockFile));
        } catch (NoSuchFileException e) {
            return false;
        }
    }

    private static Path realOrAbsolute(Path p) throws IOException {
        Path abs = p.toAbsolutePath().normalize();
        // The root may not exist yet (nothing recorded): its nearest existing ancestor decides where it is.
        Path existing = abs;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        return existing == null ? abs : existing.toRealPath().resolve(existing.relativize(abs));
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        } catch (FileAlreadyExistsException e) {
            throw new IOException(to + " appeared while the export was written", e);
        }
    }
}
