package org.nvr.rtsp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.rtsp.RtspDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * First decoder of an RTSP-over-TCP connection: splits what a server sends into
 * {@link InterleavedFrame}s ({@code '$'}, channel, 16-bit length, payload; a zero-copy slice) and whole
 * RTSP messages (a response, or a request of the server's own such as OPTIONS or ANNOUNCE: start line,
 * headers and {@code Content-Length} body) passed on as one {@link ByteBuf} for Netty's
 * {@code RtspDecoder} next in the pipeline (see {@link #messageDecoder()}), which then never sees a
 * fragment or a binary frame.
 *
 * <p>Bytes that start neither a frame nor an RTSP message (a camera's garbage, a torn frame) are
 * skipped up to the next {@code '$'} or capital letter and counted in {@link #junkBytes()}; the client
 * decides whether that much junk is a {@code protocol} failure. Line ends between messages are skipped
 * silently.
 *
 * <p>One instance per connection, used on its event loop only.
 */
public final class RtspFrameDecoder extends ByteToMessageDecoder {

    /** Longest start line plus headers accepted. */
    static final int MAX_HEADER = 16 * 1024;
    /** Largest RTSP body accepted (an SDP is a few KB). */
    static final int MAX_BODY = 256 * 1024;
    private static final int MAX_METHOD = 32;
    private static final byte[] RESPONSE_START = "RTSP/1.0 ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] VERSION = "RTSP/1.0".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CONTENT_LENGTH = "content-length:".getBytes(StandardCharsets.US_ASCII);

    private enum Start { YES, NO, NEED_MORE }

    private long junkBytes;

    /**
     * The {@code RtspDecoder} to put after this decoder: Netty's, with its HTTP hardening against request
     * smuggling relaxed where cameras need it (line ends of a bare LF, which Netty 4.2 rejects by
     * default) and with the same header limit as here.
     */
    public static RtspDecoder messageDecoder() {
        return new RtspDecoder(new HttpDecoderConfig()
                .setStrictLineParsing(false)
                .setMaxInitialLineLength(MAX_HEADER)
                .setMaxHeaderSize(MAX_HEADER)
                .setMaxChunkSize(MAX_BODY));
    }

    /** Bytes skipped because they began neither an interleaved frame nor an RTSP message. */
    public long junkBytes() {
        return junkBytes;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        while (in.isReadable()) {
            int start = in.readerIndex();
            byte first = in.getByte(start);
            if (first == '\r' || first == '\n') {
                in.skipBytes(1);
                continue;
            }
            if (first == '$') {
                if (in.readableBytes() < 4) {
                    return;
                }
                int length = in.getUnsignedShort(start + 2);
                if (in.readableBytes() < 4 + length) {
                    return;
                }
                int channel = in.getUnsignedByte(start + 1);
                in.skipBytes(4);
                out.add(new InterleavedFrame(channel, in.readRetainedSlice(length)));
                return; // one message per call: ByteToMessageDecoder calls again while bytes remain
            }
            Start kind = messageStart(in, start);
            if (kind == Start.NEED_MORE) {
                return;
            }
            if (kind == Start.NO) {
                skipJunk(in);
                continue;
            }
            ByteBuf message = message(in, start);
            if (message != null) {
                out.add(message);
            }
            return;
        }
    }

    /** The whole message at {@code start} (header and body), or null when not all of it is here yet. */
    private static ByteBuf message(ByteBuf in, int start) {
        int headerEnd = indexOfBlankLine(in, start, Math.min(in.writerIndex(), start + MAX_HEADER));
        if (headerEnd < 0) {
            if (in.readableBytes() >= MAX_HEADER) {
                throw new TooLongFrameException("RTSP header longer than " + MAX_HEADER + " bytes");
            }
            return null;
        }
        long total = headerEnd - start + contentLength(in, start, headerEnd);
        if (in.readableBytes() < total) {
            return null;
        }
        return in.readRetainedSlice((int) total);
    }

    /** Skips the byte at the reader index and everything up to the next possible start. */
    private void skipJunk(ByteBuf in) {
        int from = in.readerIndex() + 1;
        int to = in.writerIndex();
        int next = from;
        while (next < to) {
            byte b = in.getByte(next);
            if (b == '$' || (b >= 'A' && b <= 'Z')) {
                break;
            }
            next++;
        }
        junkBytes += next - in.readerIndex();
        in.readerIndex(next);
    }

    /**
     * Whether the bytes at {@code start} begin a response ({@code RTSP/1.0 }) or a request
     * ({@code METHOD url RTSP/1.0}), judged on as few bytes as possible so junk is rejected at once.
     */
    private static Start messageStart(ByteBuf in, int start) {
        Start response = prefix(in, start, RESPONSE_START);
        if (response != Start.NO) {
            return response;
        }
        int end = in.writerIndex();
        int i = start;
        while (i < end && i - start <= MAX_METHOD) {
            byte b = in.getByte(i);
            if (b == ' ' && i > start) {
                break;
            }
            if (!((b >= 'A' && b <= 'Z') || b == '_' || b == '-')) {
                return Start.NO;
            }
            i++;
        }
        if (i >= end) {
            return Start.NEED_MORE;
        }
        if (i - start > MAX_METHOD) {
            return Start.NO;
        }
        int lineEnd = in.indexOf(i, Math.min(end, start + MAX_HEADER), (byte) '\n');
        if (lineEnd < 0) {
            return end - start >= MAX_HEADER ? Start.NO : Start.NEED_MORE;
        }
        int versionEnd = lineEnd > start && in.getByte(lineEnd - 1) == '\r' ? lineEnd - 1 : lineEnd;
        int versionStart = versionEnd - VERSION.length;
        if (versionStart <= i || in.getByte(versionStart - 1) != ' ') {
            return Start.NO;
        }
        return prefix(in, versionStart, VERSION) == Start.YES ? Start.YES : Start.NO;
    }

    private static Start prefix(ByteBuf in, int at, byte[] expected) {
        int available = Math.min(expected.length, in.writerIndex() - at);
        for (int k = 0; k < available; k++) {
            if (in.getByte(at + k) != expected[k]) {
                return Start.NO;
            }
        }
        return available == expected.length ? Start.YES : Start.NEED_MORE;
    }

    /** Index just past the blank line ending the header block (CRLF CRLF or LF LF), or -1. */
    private static int indexOfBlankLine(ByteBuf in, int from, int to) {
        for (int i = from; i < to - 1; i++) {
            if (in.getByte(i) == '\n') {
                if (in.getByte(i + 1) == '\n') {
                    return i + 2;
                }
                if (i + 2 < to && in.getByte(i + 1) == '\r' && in.getByte(i + 2) == '\n') {
                    return i + 3;
                }
            }
        }
        return -1;
    }

    private static int contentLength(ByteBuf in, int from, int to) {
        int lineStart = from;
        for (int i = from; i < to; i++) {
            if (in.getByte(i) != '\n') {
                continue;
            }
            if (startsWithIgnoreCase(in, lineStart, i, CONTENT_LENGTH)) {
                String value = in.toString(lineStart + CONTENT_LENGTH.length,
                        i - lineStart - CONTENT_LENGTH.length, StandardCharsets.US_ASCII).strip();
                int length;
                try {
                    length = Integer.parseInt(value);
                } catch (NumberFormatException e) {
                    throw new CorruptedFrameException("bad RTSP Content-Length: " + value);
                }
                if (length < 0 || length > MAX_BODY) {
                    throw new TooLongFrameException("RTSP body of " + value + " bytes");
                }
                return length;
            }
            lineStart = i + 1;
        }
        return 0;
    }

    private static boolean startsWithIgnoreCase(ByteBuf in, int from, int to, byte[] prefix) {
        if (to - from < prefix.length) {
            return false;
        }
        for (int k = 0; k < prefix.length; k++) {
            if (Character.toLowerCase(in.getByte(from + k)) != prefix[k]) {
                return false;
            }
        }
        return true;
    }
}
