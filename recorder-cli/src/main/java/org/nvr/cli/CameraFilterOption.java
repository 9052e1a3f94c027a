package org.nvr.cli;

import picocli.CommandLine.Option;

/**
 * {@code --camera ID}, optional: narrows a listing of every camera's entries (holds, audit lines) to one.
 * Not {@link CameraOption}: here the option may be left out and its help says so.
 */
final class CameraFilterOption {
    @Option(names = "--camera", paramLabel = "ID", description = "only this camera")
    String id;

    /**
     * The camera's id, checked against the configuration (an unknown one is a usage error, exit 2);
     * null without the option, meaning every camera.
     */
    String resolve(ConfigOption config) {
        return id == null ? null : config.camera(id).id();
    }
}
