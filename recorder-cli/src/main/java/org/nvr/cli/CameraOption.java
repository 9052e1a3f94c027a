package org.nvr.cli;

import org.nvr.config.CameraConfig;
import picocli.CommandLine.Option;

/**
 * {@code --camera ID}, required: the one configured camera a footage command acts on. Declared once so
 * that every such command names, labels and explains it alike (its Vietnamese help is the bundle's
 * {@code camera} key).
 */
final class CameraOption {
    @Option(names = "--camera", required = true, paramLabel = "ID", description = "camera id")
    String id;

    /** The camera as configured; an unknown id is a usage error (exit 2) naming the configured ones. */
    CameraConfig resolve(ConfigOption config) {
        return config.camera(id);
    }
}
