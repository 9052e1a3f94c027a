package org.nvr.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvr.testing.Tmpfs;

/**
 * A free-space floor the filesystem cannot ever offer ({@code min_free_bytes} at least the disk's size)
 * would make retention delete every segment as it closes. {@code run} and {@code check-config} refuse
 * it with exit 2, naming the key and the disk's size, before anything is written.
 */
class MinFreeLargerThanDiskTest {
    @TempDir
    Path dir;

    @Test
    void aFloorAsLargeAsTheDiskIsRefusedNamingTheKeyAndTheDiskSize() throws Exception {
        try (Tmpfs fs = Tmpfs.mount(8)) {
            Path root = fs.dir().resolve("nvr");
            Path config = Files.writeString(dir.resolve("nvr.yaml"), """
                    storage:
                      root: %s
                      retention: { min_free_bytes: 1GB }
                    metrics: { listen: "127.0.0.1:0" }
                    sites:
                      - id: site
                        cameras:
                          - { id: cam-a, url: "rtsp://127.0.0.1:9/none" }
                    """.formatted(root));
            long size = Files.getFileStore(fs.dir()).getTotalSpace();
            String diskSize = org.nvr.config.ByteSize.format(size);

            Cli run = Cli.run("run", "--config", config.toString());
            OperatorErrorsTest.oneLine(run, 2, "storage.retention.min_free_bytes", "1 GB", diskSize);
            assertFalse(Files.exists(root), "nothing written: " + run.err());

            Cli check = Cli.run("check-config", "--config", config.toString());
            OperatorErrorsTest.oneLine(check, 2, "storage.retention.min_free_bytes", diskSize);

            Files.writeString(config, Files.readString(config).replace("1GB", "1MB"));
            assertEquals(0, Cli.run("check-config", "--config", config.toString()).exitCode(), "a floor the disk can offer");
        }
    }
}
