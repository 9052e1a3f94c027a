package org.nvr.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A size-limited tmpfs mounted for one test, so that "the disk" is small and can really fill up
 * ({@code ENOSPC}). Needs root, as CI runs; a test that needs it fails (never skips) with the reason
 * when it cannot mount. {@link #close()} unmounts (lazily if something still holds it) and removes the
 * mount point; safe to call twice. Not thread-safe.
 */
public final class Tmpfs implements AutoCloseable {
    private final Path dir;
    private boolean mounted;

    private Tmpfs(Path dir) {
        this.dir = dir;
    }

    /** Mounts a tmpfs of {@code megabytes} MiB on a new directory under the system temp dir. */
    public static Tmpfs mount(int megabytes) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("nvr-tmpfs-");
        Tmpfs fs = new Tmpfs(dir);
        ExternalCommand.Result r = ExternalCommand.run(List.of("mount", "-t", "tmpfs", "-o",
                "size=" + megabytes + "m,mode=0755", "tmpfs", dir.toString()), Duration.ofSeconds(20));
        if (r.exitCode() != 0) {
            Files.deleteIfExists(dir);
            throw new AssertionError("cannot mount a " + megabytes + " MiB tmpfs on " + dir + " (these tests need root, "
                    + "as CI has): exit " + r.exitCode() + ": " + r.stderr().strip());
        }
        fs.mounted = true;
        return fs;
    }

    public Path dir() {
        return dir;
    }

    /** Free bytes on the tmpfs. */
    public long free() throws IOException {
        return Files.getFileStore(dir).getUsableSpace();
    }

    @Override
    public void close() throws IOException, InterruptedException {
        if (!mounted) {
            return;
        }
        mounted = false;
        ExternalCommand.Result r = ExternalCommand.run(List.of("umount", dir.toString()), Duration.ofSeconds(20));
        if (r.exitCode() != 0) {
            ExternalCommand.run(List.of("umount", "-l", dir.toString()), Duration.ofSeconds(20));
        }
        Files.deleteIfExists(dir);
    }
}
