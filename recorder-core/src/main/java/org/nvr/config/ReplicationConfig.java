package org.nvr.config;

import java.net.URI;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Where evidence is copied off the recorder ({@code replication:}): an S3-compatible bucket, the
 * credentials to write it, and what to copy. Immutable; produced by {@link ConfigLoader}.
 *
 * <p>{@link #toString()} never shows the secret key; nothing else prints it either.
 *
 * @param prefix      prepended to every object key ({@code cam-luong/}); may be empty
 * @param cameras     with {@link Copy#ALL}: the cameras whose every segment is copied; empty otherwise
 * @param maxRate     upload cap in bytes per second; empty: uncapped
 * @param objectLock  retention asked for held objects when the bucket has Object Lock; empty: none asked
 */
public record ReplicationConfig(URI endpoint, String bucket, String region, String accessKey, String secretKey,
                                String prefix, Copy copy, List<String> cameras, OptionalLong maxRate,
                                Optional<ObjectLock> objectLock) {
    /** What is copied: held footage and exports always; with {@code ALL} also every segment of {@link #cameras}. */
    public enum Copy { HOLDS, ALL }

    /** S3 Object Lock retention mode. */
    public enum LockMode { GOVERNANCE, COMPLIANCE }

    public record ObjectLock(LockMode mode, int days) {
    }

    public ReplicationConfig {
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(bucket, "bucket");
        Objects.requireNonNull(secretKey, "secretKey");
        cameras = List.copyOf(cameras);
        Objects.requireNonNull(objectLock, "objectLock");
    }

    /** The same with other credentials (tests: a wrong secret, then the right one). */
    public ReplicationConfig withCredentials(String access, String secret) {
        return new ReplicationConfig(endpoint, bucket, region, access, secret, prefix, copy, cameras, maxRate, objectLock);
    }

    public ReplicationConfig withBucket(String otherBucket) {
        return new ReplicationConfig(endpoint, otherBucket, region, accessKey, secretKey, prefix, copy, cameras, maxRate,
                objectLock);
    }

    public ReplicationConfig withMaxRate(OptionalLong bytesPerSecond) {
        return new ReplicationConfig(endpoint, bucket, region, accessKey, secretKey, prefix, copy, cameras,
                bytesPerSecond, objectLock);
    }

    @Override
    public String toString() {
        return "ReplicationConfig[endpoint=" + UrlRedactor.redact(endpoint.toString()) + ", bucket=" + bucket
                + ", region=" + region + ", prefix=" + prefix + ", copy=" + copy + ", cameras=" + cameras
                + ", maxRate=" + maxRate + ", objectLock=" + objectLock + "]";
    }
}
