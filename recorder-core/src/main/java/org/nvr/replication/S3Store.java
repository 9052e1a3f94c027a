package org.nvr.replication;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.nvr.config.ReplicationConfig;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.ObjectLockEnabled;
import software.amazon.awssdk.services.s3.model.ObjectLockMode;
import software.amazon.awssdk.services.s3.model.ObjectLockRetentionMode;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The S3 operations the replicator uses, over AWS SDK v2 with the JDK's plain HTTP client, path-style
 * addressing (MinIO, Ceph RGW, S3Proxy and AWS all take it) and no SDK retries (the replicator's queue
 * and backoff retry). Every call is bounded: 10 s to connect, 60 s without a byte read, 15 min per
 * attempt. Request bodies are read from the file through the {@link TokenBucket}.
 *
 * <p>Used by the replication thread only. Owns its client; {@link #close()} closes it.
 */
final class S3Store implements AutoCloseable {
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    static final Duration READ_TIMEOUT = Duration.ofSeconds(60);
    static final Duration ATTEMPT_TIMEOUT = Duration.ofMinutes(15);

    /** What a HEAD says about a stored object; {@code retainUntil}: its Object Lock retention date, if any. */
    record Head(long size, String etag, Optional<String> sha256Metadata, Optional<String> checksumSha256,
                Optional<Instant> retainUntil) {
    }

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(S3Store.class);

    private final S3Client client;
    /** Whether the server takes {@code x-amz-checksum-sha256}; false after its first 501. */
    private boolean flexibleChecksums = true;
    private final String bucket;
    private final TokenBucket bucketCap;
    /** Bytes handed to the network (after the cap); read by metrics and tests. */
    final AtomicLong sent = new AtomicLong();

    S3Store(ReplicationConfig config, TokenBucket cap) {
        this.bucket = config.bucket();
        this.bucketCap = cap;
        this.client = S3Client.builder()
                .endpointOverride(config.endpoint())
                .region(Region.of(config.region()))
                .forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(config.accessKey(), config.secretKey())))
                .httpClient(UrlConnectionHttpClient.builder().connectionTimeout(CONNECT_TIMEOUT)
                        .socketTimeout(READ_TIMEOUT).build())
                // We send x-amz-checksum-sha256 ourselves (the digest recorded at close); no SDK trailers.
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry())
                        .apiCallAttemptTimeout(ATTEMPT_TIMEOUT).apiCallTimeout(ATTEMPT_TIMEOUT))
                .build();
    }

    /** Whether the bucket has Object Lock enabled; empty when the server does not say (not supported). */
    boolean objectLockEnabled() {
        try {
            var r = client.getObjectLockConfiguration(b -> b.bucket(bucket));
            return r.objectLockConfiguration() != null
                    && r.objectLockConfiguration().objectLockEnabled() == ObjectLockEnabled.ENABLED;
        } catch (S3Exception e) {
            String code = e.awsErrorDetails() == null ? "" : String.valueOf(e.awsErrorDetails().errorCode());
            if (e.statusCode() == 404 && !code.equals("NoSuchBucket") || e.statusCode() == 501
                    || code.equals("ObjectLockConfigurationNotFoundError") || code.equals("NotImplemented")) {
                return false;
            }
            throw e;
        }
    }

    Optional<Head> head(String key) {
        try {
            HeadObjectResponse r;
            try {
                r = client.headObject(b -> {
                    b.bucket(bucket).key(key);
                    if (flexibleChecksums) {
                        b.checksumMode("ENABLED");
                    }
                });
            } catch (S3Exception e) {
                if (!flexibleChecksums || e.statusCode() != 501) {
                    throw e;
                }
                noFlexibleChecksums();
                r = client.headObject(b -> b.bucket(bucket).key(key));
            }
            return Optional.of(new Head(r.contentLength(), unquote(r.eTag()),
                    Optional.ofNullable(r.metadata().get("sha256")), Optional.ofNullable(r.checksumSHA256()),
                    Optional.ofNullable(r.objectLockRetainUntilDate())));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (S3Exception e) {
            if (e.statusCode() == 404 && (e.awsErrorDetails() == null
                    || !"NoSuchBucket".equals(e.awsErrorDetails().errorCode()))) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /**
     * The server answered 501 to {@code x-amz-checksum-*} (S3Proxy, older Ceph and MinIO): from now on only
     * {@code Content-MD5} is sent, which every S3 server checks, and the read-back compares the ETag.
     */
    private void noFlexibleChecksums() {
        if (flexibleChecksums) {
            flexibleChecksums = false;
            LOG.info("replication: {} does not check SHA-256 checksum headers; uploads are checked by Content-MD5 "
                    + "and verified by size, sha256 metadata and ETag", bucket);
        }
    }

    /**
     * One PUT of the whole file with its {@code Content-MD5} and, where the server supports it, its
     * {@code x-amz-checksum-sha256}: the server refuses a body that does not match. Returns the ETag.
     */
    String put(String key, Path file, LocalFileDigest d, String sha256, Optional<Lock> lock) {
        try {
            return put(key, file, d, sha256, lock, flexibleChecksums);
        } catch (S3Exception e) {
            if (!flexibleChecksums || e.statusCode() != 501) {
                throw e;
            }
            noFlexibleChecksums();
            return put(key, file, d, sha256, lock, false);
        }
    }

    private String put(String key, Path file, LocalFileDigest d, String sha256, Optional<Lock> lock, boolean checksum) {
        return unquote(client.putObject(b -> {
            b.bucket(bucket).key(key).contentLength(d.size()).contentType(contentType(key))
                    .metadata(Map.of("sha256", sha256)).contentMD5(base64(d.md5()));
            if (checksum) {
                b.checksumSHA256(base64(d.sha256()));
            }
            lock.ifPresent(l -> b.objectLockMode(l.mode()).objectLockRetainUntilDate(l.until()));
        }, body(file, 0, d.size())).eTag());
    }

    String createMultipart(String key, String sha256, Optional<Lock> lock) {
        return client.createMultipartUpload(b -> {
            b.bucket(bucket).key(key).contentType(contentType(key)).metadata(Map.of("sha256", sha256));
            lock.ifPresent(l -> b.objectLockMode(l.mode()).objectLockRetainUntilDate(l.until()));
        }).uploadId();
    }

    /** Sends part {@code number} (from 1) and returns its ETag. */
    String uploadPart(String key, String uploadId, int number, Path file, long offset, long bytes, String md5Hex) {
        return unquote(client.uploadPart(b -> b.bucket(bucket).key(key).uploadId(uploadId).partNumber(number)
                .contentLength(bytes).contentMD5(Base64.getEncoder().encodeToString(HexFormat.of().parseHex(md5Hex))),
                body(file, offset, bytes)).eTag());
    }

    void completeMultipart(String key, String uploadId, List<ReplicationQueue.Part> parts) {
        List<CompletedPart> completed = parts.stream()
                .map(p -> CompletedPart.builder().partNumber(p.number()).eTag(p.etag()).build()).toList();
        client.completeMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId)
                .multipartUpload(m -> m.parts(completed)));
    }

    /** Aborts a multipart upload so the server frees its parts; a failure is only logged (it expires anyway). */
    void abortQuietly(String key, String uploadId) {
        try {
            client.abortMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId));
        } catch (RuntimeException e) {
            LOG.debug("replication: abort of upload {} of {} failed: {}", uploadId, key, e.getMessage());
        }
    }

    /** The stored object's bytes (verify --remote reads only HEADs; tests read objects back). */
    InputStream get(String key) {
        return client.getObject(b -> b.bucket(bucket).key(key));
    }

    /** Sets the retention of an object already stored (PutObjectRetention); the caller only lengthens it. */
    void retain(String key, Lock lock) {
        client.putObjectRetention(b -> b.bucket(bucket).key(key).retention(r -> r
                .mode(ObjectLockRetentionMode.fromValue(lock.mode().toString())).retainUntilDate(lock.until())));
    }

    /** Object Lock retention for one object. */
    record Lock(ObjectLockMode mode, Instant until) {
    }

    private RequestBody body(Path file, long offset, long length) {
        return RequestBody.fromContentProvider(() -> {
            try {
                FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
                ch.position(offset);
                InputStream limited = new LimitedStream(Channels.newInputStream(ch), length);
                return new ThrottledInputStream(limited, bucketCap, sent);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(new ReplicationFailure.LocalReadException(e));
            }
        }, length, "application/octet-stream");
    }

    private static String contentType(String key) {
        return key.endsWith(".json") ? "application/json" : "video/mp4";
    }

    static String base64(String hex) {
        return Base64.getEncoder().encodeToString(HexFormat.of().parseHex(hex));
    }

    static String unquote(String etag) {
        if (etag == null) {
            return "";
        }
        return etag.length() >= 2 && etag.startsWith("\"") && etag.endsWith("\"") ? etag.substring(1, etag.length() - 1) : etag;
    }

    @Override
    public void close() {
        client.close();
    }

    /** At most {@code limit} bytes of the wrapped stream; a read error becomes a {@link ReplicationFailure.LocalReadException}. */
    private static final class LimitedStream extends InputStream {
        private final InputStream in;
        private long left;

        LimitedStream(InputStream in, long limit) {
            this.in = in;
            this.left = limit;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left <= 0) {
                return -1;
            }
            int n;
            try {
                n = in.read(b, off, (int) Math.min(len, left));
            } catch (IOException e) {
                throw new ReplicationFailure.LocalReadException(e);
            }
            if (n > 0) {
                left -= n;
            }
            return n;
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
