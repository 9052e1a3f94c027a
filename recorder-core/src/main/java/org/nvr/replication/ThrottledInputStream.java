package org.nvr.replication;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A request body that reads at most {@link #CHUNK} bytes at a time and takes each read's bytes from
 * the {@link TokenBucket} (when there is one) before handing them on, so the upload never goes faster
 * than the cap. Counts what it handed on into {@code sent}. An interrupt while waiting becomes an
 * {@link InterruptedIOException} with the interrupt flag kept. Closes what it wraps.
 */
final class ThrottledInputStream extends FilterInputStream {
    static final int CHUNK = 16 * 1024;

    private final TokenBucket bucket;
    private final AtomicLong sent;

    ThrottledInputStream(InputStream in, TokenBucket bucket, AtomicLong sent) {
        super(in);
        this.bucket = bucket;
        this.sent = sent;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = super.read(b, off, Math.min(len, CHUNK));
        if (n > 0) {
            if (bucket != null) {
                try {
                    bucket.take(n);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("upload interrupted");
                }
            }
            sent.addAndGet(n);
        }
        return n;
    }

    @Override
    public boolean markSupported() {
        return false;
    }
}
