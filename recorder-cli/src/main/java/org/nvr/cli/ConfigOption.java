package org.nvr.cli;

import java.nio.file.Path;
import org.nvr.config.CameraConfig;
import org.nvr.config.ConfigException;
import org.nvr.config.ConfigLoader;
import org.nvr.config.NvrConfig;
import org.nvr.retention.FreeSpaceFloor;
import picocli.CommandLine.Option;

/** The {@code --config FILE} option shared by every command that reads a configuration. */
final class ConfigOption {
    @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE", description = "the YAML configuration")
    Path file;

    private NvrConfig loaded;

    /** Loads and validates; a bad file is a usage error (exit 2) naming the key. */
    NvrConfig load() {
        if (loaded == null) {
            try {
                loaded = ConfigLoader.load(file, System.getenv());
            } catch (ConfigException e) {
                throw UserError.usage(Texts.current().get("error.config", file, e.getMessage()));
            }
        }
        return loaded;
    }

    /**
     * Loads and validates, then checks what recording needs of the disk: a {@code min_free_bytes} the
     * filesystem cannot offer is a usage error (exit 2) too.
     */
    NvrConfig loadForRecording() {
        NvrConfig c = load();
        try {
            FreeSpaceFloor.requireBelowDiskSize(c.storage());
        } catch (ConfigException e) {
            throw UserError.usage(Texts.current().get("error.config", file, e.getMessage()));
        }
        return c;
    }

    CameraConfig camera(String id) {
        return load().camera(id).orElseThrow(() -> UserError.usage(Texts.current().get("error.camera", id,
                String.join(", ", load().cameras().map(CameraConfig::id).toList()))));
    }
}
