package org.nvr.config;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Ring-buffer limits. Every limit is optional; an empty {@code Retention} keeps everything.
 * {@code minFreeBytes} is only meaningful globally (free space is a property of the filesystem).
 */
public record Retention(OptionalLong maxBytes, OptionalLong minFreeBytes, Optional<Duration> maxAge) {
    public static final Retention NONE = new Retention(OptionalLong.empty(), OptionalLong.empty(), Optional.empty());
}
