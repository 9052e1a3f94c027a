package org.nvr.replication;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * One read of a local file before it is sent: its size, SHA-256, MD5, and the MD5 of each part of
 * {@code partSize} bytes, from which the S3 ETag the server must report is known in advance (the MD5
 * of a single PUT; the MD5 of the parts' MD5s and {@code -N} of a multipart upload). Immutable.
 */
record LocalFileDigest(long size, String sha256, String md5, List<String> partMd5s, long partSize) {
    static LocalFileDigest of(Path file, long partSize) throws IOException {
        MessageDigest sha = digest("SHA-256");
        MessageDigest md5 = digest("MD5");
        MessageDigest part = digest("MD5");
        List<String> parts = new ArrayList<>();
        long size = 0;
        long inPart = 0;
        byte[] buf = new byte[64 * 1024];
        try (InputStream in = Files.newInputStream(file)) {
            int n;
            while ((n = in.read(buf)) > 0) {
                sha.update(buf, 0, n);
                md5.update(buf, 0, n);
                int off = 0;
                while (off < n) {
                    int take = (int) Math.min(n - off, partSize - inPart);
                    part.update(buf, off, take);
                    inPart += take;
                    off += take;
                    if (inPart == partSize) {
                        parts.add(HexFormat.of().formatHex(part.digest()));
                        inPart = 0;
                    }
                }
                size += n;
            }
        }
        if (inPart > 0 || parts.isEmpty()) {
            parts.add(HexFormat.of().formatHex(part.digest()));
        }
        return new LocalFileDigest(size, HexFormat.of().formatHex(sha.digest()), HexFormat.of().formatHex(md5.digest()),
                List.copyOf(parts), partSize);
    }

    boolean multipart() {
        return size > partSize;
    }

    /** The ETag an S3 server gives this content (without quotes). */
    String expectedEtag() {
        if (!multipart()) {
            return md5;
        }
        MessageDigest all = digest("MD5");
        for (String p : partMd5s) {
            all.update(HexFormat.of().parseHex(p));
        }
        return HexFormat.of().formatHex(all.digest()) + "-" + partMd5s.size();
    }

    long partBytes(int number) {
        return Math.min(partSize, size - (number - 1) * partSize);
    }

    static MessageDigest digest(String name) {
        try {
            return MessageDigest.getInstance(name);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(name + " missing from the JDK", e);
        }
    }
}
