package org.nvr.web.playback;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.nvr.footage.JsonText;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends answers of the footage routes: small ones whole, big bodies (a playback MP4, an export) in
 * chunks read on the footage threads, one chunk in flight per connection, so a slow browser costs one
 * chunk of memory and no thread while it reads. Honors {@code Range} (206 with {@code Content-Range},
 * 416 past the end), {@code If-None-Match} with the body's ETag (304), and {@code HEAD}. Once the
 * answer is written the connection reads its next request (the web handler stops reading while a
 * request is answered).
 *
 * <p>Counts the bytes of those big bodies that left ({@link #sentBytes()}, the web server's
 * {@code nvr.web.footage.sent}).
 *
 * <p>Threads: any; file reads on the executor given, writes through the channel.
 */
final class BodySender {
    private static final Logger log = LoggerFactory.getLogger(BodySender.class);
    static final int CHUNK = 128 * 1024;

    /** A body of known length whose bytes can be read from any offset (blocking). */
    interface Body {
        long length();

        void read(long position, ByteBuffer dst) throws IOException;
    }

    private final Executor executor;
    private final AtomicLong sent = new AtomicLong();

    BodySender(Executor executor) {
        this.executor = executor;
    }

    /** Bytes of file bodies (playback MP4s, export downloads) written to connections so far. */
    long sentBytes() {
        return sent.get();
    }

    /** Runs {@code work} on the footage threads; 503 when they are all busy. */
    void offload(ChannelHandlerContext ctx, WebRequest req, Runnable work) {
        try {
            executor.execute(() -> {
                try {
                    work.run();
                } catch (RuntimeException e) {
                    log.warn("Web request {} {} failed", req.method(), req.path(), e);
                    json(ctx, req, HttpResponseStatus.INTERNAL_SERVER_ERROR,
                            Map.of("error", "internal error; see the recorder's log"));
                }
            });
        } catch (RejectedExecutionException e) {
            json(ctx, req, HttpResponseStatus.SERVICE_UNAVAILABLE, Map.of("error", "busy; try again"));
        }
    }

    void error(ChannelHandlerContext ctx, WebRequest req, HttpResponseStatus status, String message) {
        json(ctx, req, status, Map.of("error", message));
    }

    void json(ChannelHandlerContext ctx, WebRequest req, HttpResponseStatus status, Object value) {
        bytes(ctx, req, status, "application/json", JsonText.write(value).getBytes(StandardCharsets.UTF_8), null);
    }

    /** A small body from memory, with any extra headers. */
    void bytes(ChannelHandlerContext ctx, WebRequest req, HttpResponseStatus status, String type, byte[] body,
               Consumer<HttpHeaders> extra) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                req.head() ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(body));
        common(r.headers(), type);
        r.headers().set(HttpHeaderNames.CONTENT_LENGTH, body.length);
        if (extra != null) {
            extra.accept(r.headers());
        }
        finish(ctx, req, r, status);
    }

    /**
     * A body from files, whole or the range the request asks for; {@code extra} adds headers (the
     * download name, the playback's pieces).
     */
    void body(ChannelHandlerContext ctx, WebRequest req, String type, Body body, String etag,
              Consumer<HttpHeaders> extra) {
        if (etag != null && req.headers().get(HttpHeaderNames.IF_NONE_MATCH) != null
                && req.headers().get(HttpHeaderNames.IF_NONE_MATCH).contains(etag)) {
            FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NOT_MODIFIED);
            common(r.headers(), type);
            r.headers().set(HttpHeaderNames.ETAG, etag);
            r.headers().set(HttpHeaderNames.CONTENT_LENGTH, 0);
            finish(ctx, req, r, HttpResponseStatus.NOT_MODIFIED);
            return;
        }
        long length = body.length();
        String range = req.headers().get(HttpHeaderNames.RANGE);
        String ifRange = req.headers().get(HttpHeaderNames.IF_RANGE);
        if (range != null && ifRange != null && etag != null && !ifRange.equals(etag)) {
            range = null; // the client's earlier copy is another body: send this one whole
        }
        ByteRanges.Answer answer = ByteRanges.parse(java.util.Optional.ofNullable(range), length);
        if (answer instanceof ByteRanges.Unsatisfiable) {
            FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                    HttpResponseStatus.REQUESTED_RANGE_NOT_SATISFIABLE);
            common(r.headers(), type);
            r.headers().set(HttpHeaderNames.CONTENT_RANGE, "bytes */" + length);
            r.headers().set(HttpHeaderNames.CONTENT_LENGTH, 0);
            finish(ctx, req, r, HttpResponseStatus.REQUESTED_RANGE_NOT_SATISFIABLE);
            return;
        }
        long first = 0;
        long count = length;
        HttpResponseStatus status = HttpResponseStatus.OK;
        if (answer instanceof ByteRanges.Part p) {
            first = p.first();
            count = p.length();
            status = HttpResponseStatus.PARTIAL_CONTENT;
        }
        HttpResponse r = new DefaultHttpResponse(HttpVersion.HTTP_1_1, status);
        HttpHeaders h = r.headers();
        common(h, type);
        h.set(HttpHeaderNames.ACCEPT_RANGES, "bytes");
        h.set(HttpHeaderNames.CONTENT_LENGTH, count);
        if (status == HttpResponseStatus.PARTIAL_CONTENT) {
            h.set(HttpHeaderNames.CONTENT_RANGE, "bytes " + first + "-" + (first + count - 1) + "/" + length);
        }
        if (etag != null) {
            h.set(HttpHeaderNames.ETAG, etag);
        }
        if (extra != null) {
            extra.accept(h);
        }
        boolean keepAlive = req.keepAlive();
        HttpUtil.setKeepAlive(r, keepAlive);
        ctx.write(r);
        if (req.head() || count == 0) {
            ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(done(ctx, keepAlive));
            return;
        }
        new Pump(ctx, body, first, first + count, keepAlive).next();
    }

    /** Reads the next chunk off the event loop and writes it; the write's completion asks for the next. */
    private final class Pump {
        final ChannelHandlerContext ctx;
        final Body body;
        final long end;
        final boolean keepAlive;
        long position;

        Pump(ChannelHandlerContext ctx, Body body, long first, long end, boolean keepAlive) {
            this.ctx = ctx;
            this.body = body;
            this.position = first;
            this.end = end;
            this.keepAlive = keepAlive;
        }

        void next() {
            try {
                executor.execute(this::readAndWrite);
            } catch (RejectedExecutionException e) {
                ctx.close(); // stopping, or every footage thread busy: the client asks again
            }
        }

        private void readAndWrite() {
            if (!ctx.channel().isActive()) {
                return;
            }
            int n = (int) Math.min(CHUNK, end - position);
            ByteBuf buf = ctx.alloc().heapBuffer(n);
            try {
                ByteBuffer nio = buf.nioBuffer(0, n);
                body.read(position, nio);
                buf.writerIndex(n);
            } catch (IOException | RuntimeException e) {
                buf.release();
                // the headers are gone: all that can be said now is a closed connection
                log.warn("Web: stopped sending at byte {}: {}", position, e.toString());
                ctx.close();
                return;
            }
            position += n;
            boolean last = position >= end;
            if (last) {
                ctx.write(new DefaultHttpContent(buf)).addListener(f -> {
                    if (f.isSuccess()) {
                        sent.addAndGet(n);
                    }
                });
                ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(done(ctx, keepAlive));
            } else {
                ctx.writeAndFlush(new DefaultHttpContent(buf)).addListener(f -> {
                    if (f.isSuccess()) {
                        sent.addAndGet(n);
                        next();
                    }
                });
            }
        }
    }

    private static void common(HttpHeaders h, String type) {
        h.set(HttpHeaderNames.CONTENT_TYPE, type);
        h.set(HttpHeaderNames.CACHE_CONTROL, "private, no-cache");
        h.set("X-Content-Type-Options", "nosniff");
        h.set("Referrer-Policy", "same-origin"); // no-referrer makes Chrome send "Origin: null" on the login form's POST
    }

    private void finish(ChannelHandlerContext ctx, WebRequest req, FullHttpResponse r, HttpResponseStatus status) {
        boolean keepAlive = req.keepAlive() && status.code() < 500;
        HttpUtil.setKeepAlive(r, keepAlive);
        ctx.writeAndFlush(r).addListener(done(ctx, keepAlive));
    }

    private static ChannelFutureListener done(ChannelHandlerContext ctx, boolean keepAlive) {
        return keepAlive ? f -> {
            ctx.channel().config().setAutoRead(true);
            ctx.read();
        } : ChannelFutureListener.CLOSE;
    }
}
