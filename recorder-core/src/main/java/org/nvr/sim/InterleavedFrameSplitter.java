package org.nvr.sim;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.TooLongFrameException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Sits in front of Netty's {@code RtspDecoder} and separates the two kinds of data a client may send
 * on an RTSP connection: RTSP requests, passed on whole (headers and body) so the decoder never
 * sees a fragment, and RFC 2326 interleaved binary frames ({@code '$'}, channel, 16-bit length,
 * data), typically RTCP receiver reports, which are read and discarded.
 *
 * <p>One instance per connection, on its event loop.
 */
final class InterleavedFrameSplitter extends ByteToMessageDecoder {

    private static final int MAX_HEADER = 16 * 1024;
    private static final int MAX_BODY = 64 * 1024;
    private static final byte[] CONTENT_LENGTH = "content-length:".getBytes(StandardCharsets.US_ASCII);

    private long interleavedFramesIgnored;

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        int start = in.readerIndex();
        byte first = in.getByte(start);
        if (first == '\r' || first == '\n') {
            in.skipBytes(1); // stray line ends between messages
            return;
        }
        if (first == '$') {
            if (in.readableBytes() < 4) {
                return;
            }
            int length = in.getUnsignedShort(start + 2);
            if (in.readableBytes() < 4 + length) {
                return;
            }
            in.skipBytes(4 + length);
            interleavedFramesIgnored++;
            return;
        }
        int headerEnd = indexOfBlankLine(in, start, Math.min(in.writerIndex(), start + MAX_HEADER));
        if (headerEnd < 0) {
            if (in.readableBytes() >= MAX_HEADER) {
                throw new TooLongFrameException("RTSP request header longer than " + MAX_HEADER + " bytes");
            }
            return;
        }
        int bodyLength = contentLength(in, start, headerEnd);
        int total = headerEnd - start + bodyLength;
        if (in.readableBytes() < total) {
            return;
        }
        out.add(in.readRetainedSlice(total));
    }

    long interleavedFramesIgnored() {
        return interleavedFramesIgnored;
    }

    /** Index just past the CRLF CRLF (or LF LF) ending the header block, or -1. */
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
                        i - lineStart - CONTENT_LENGTH.length, StandardCharsets.US_ASCII).trim();
                try {
                    int length = Integer.parseInt(value);
                    if (length < 0 || length > MAX_BODY) {
                        throw new TooLongFrameException("RTSP request body of " + value + " bytes");
                    }
                    return length;
                } catch (NumberFormatException e) {
                    throw new CorruptedFrameException("bad Content-Length: " + value);
                }
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
