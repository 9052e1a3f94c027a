package org.nvr.rtsp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class RtspFrameDecoderTest {

    private static final String SDP = "v=0\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n";
    private static final byte[] DESCRIBE_RESPONSE = ascii("RTSP/1.0 200 OK\r\nCSeq: 2\r\nContent-Base: rtsp://cam/\r\n"
            + "Content-Type: application/sdp\r\nContent-Length: " + SDP.length() + "\r\n\r\n" + SDP);
    private static final byte[] SERVER_OPTIONS = ascii("OPTIONS rtsp://client/ RTSP/1.0\r\nCSeq: 7\r\n\r\n");
    private static final byte[] SERVER_ANNOUNCE = ascii("ANNOUNCE rtsp://client/ RTSP/1.0\r\nCSeq: 8\r\n"
            + "Content-Type: application/sdp\r\nContent-Length: 5\r\n\r\n$RTSP");
    private static final byte[] BARE_LF_RESPONSE = ascii("RTSP/1.0 200 OK\nCSeq: 4\nContent-Length: 2\n\n$$");
    private static final byte[] KEEPALIVE_RESPONSE = ascii("RTSP/1.0 200 OK\r\nCSeq: 3\r\nSession: 1234;timeout=60\r\n\r\n");

    /** What the pipeline delivered, one line per message. */
    private static final class Run {
        final EmbeddedChannel channel;
        final RtspFrameDecoder decoder = new RtspFrameDecoder();

        Run() {
            channel = new EmbeddedChannel(decoder, RtspFrameDecoder.messageDecoder(), new HttpObjectAggregator(1 << 20));
        }

        List<String> feed(byte[]... chunks) {
            for (byte[] chunk : chunks) {
                channel.writeInbound(Unpooled.copiedBuffer(chunk));
            }
            List<String> seen = new ArrayList<>();
            Object message;
            while ((message = channel.readInbound()) != null) {
                seen.add(describe(message));
                ReferenceCountUtil.release(message);
            }
            return seen;
        }
    }

    private static String describe(Object message) {
        if (message instanceof InterleavedFrame frame) {
            return "frame " + frame.channel() + " " + HexFormat.of().formatHex(ByteBufBytes.of(frame.content()));
        }
        if (message instanceof FullHttpResponse response) {
            return "response " + response.status().code() + " cseq=" + response.headers().get("CSeq")
                    + " body=" + response.content().toString(StandardCharsets.US_ASCII).length();
        }
        if (message instanceof FullHttpRequest request) {
            return "request " + request.method() + " cseq=" + request.headers().get("CSeq")
                    + (request.content().isReadable() ? " body=" + request.content().readableBytes() : "");
        }
        return "other " + message;
    }

    private static byte[] frame(int channel, int length) {
        byte[] bytes = new byte[4 + length];
        bytes[0] = '$';
        bytes[1] = (byte) channel;
        bytes[2] = (byte) (length >> 8);
        bytes[3] = (byte) length;
        for (int i = 0; i < length; i++) {
            bytes[4 + i] = (byte) (channel * 16 + i); // '$' and capitals inside payloads must not confuse it
        }
        return bytes;
    }

    private static final byte[] STREAM = concat(DESCRIBE_RESPONSE, frame(0, 40), frame(1, 8), frame(7, 3),
            SERVER_OPTIONS, frame(0, 0), KEEPALIVE_RESPONSE, SERVER_ANNOUNCE, frame(1, 1), BARE_LF_RESPONSE,
            frame(0, 300));

    private static final List<String> EXPECTED = List.of(
            "response 200 cseq=2 body=" + SDP.length(),
            "frame 0 " + hex(frame(0, 40)), "frame 1 " + hex(frame(1, 8)),
            "frame 7 " + hex(frame(7, 3)),
            "request OPTIONS cseq=7",
            "frame 0 ",
            "response 200 cseq=3 body=0",
            "request ANNOUNCE cseq=8 body=5",
            "frame 1 " + hex(frame(1, 1)),
            "response 200 cseq=4 body=2",
            "frame 0 " + hex(frame(0, 300)));

    @Test
    void severalFramesAndResponsesInOneBuffer() {
        Run run = new Run();
        assertEquals(EXPECTED, run.feed(STREAM));
        assertEquals(0, run.decoder.junkBytes());
    }

    @Test
    void splitAtEveryByteBoundary() {
        for (int cut = 1; cut < STREAM.length; cut++) {
            Run run = new Run();
            List<String> seen = new ArrayList<>(run.feed(slice(STREAM, 0, cut)));
            seen.addAll(run.feed(slice(STREAM, cut, STREAM.length)));
            assertEquals(EXPECTED, seen, "cut at " + cut);
            assertEquals(0, run.decoder.junkBytes(), "cut at " + cut);
        }
    }

    @Test
    void oneByteAtATime() {
        Run run = new Run();
        List<String> seen = new ArrayList<>();
        for (byte b : STREAM) {
            seen.addAll(run.feed(new byte[] {b}));
        }
        assertEquals(EXPECTED, seen);
    }

    @Test
    void junkBeforeAFrameAndBeforeAResponseIsSkippedAndCounted() {
        byte[] junk1 = {0x17, (byte) 0xff, 0x00, 'x', 'y'};
        byte[] junk2 = ascii("HELLO WORLD\r\nnot rtsp!");   // capitals that start no request
        byte[] junk3 = ascii("GET / HTTP/1.1\r\n");        // an HTTP request line is not RTSP
        byte[] stream = concat(junk1, frame(0, 4), junk2, DESCRIBE_RESPONSE, junk3, frame(1, 2));
        Run run = new Run();
        assertEquals(List.of("frame 0 " + hex(frame(0, 4)), "response 200 cseq=2 body=" + SDP.length(),
                "frame 1 " + hex(frame(1, 2))), run.feed(stream));
        assertEquals(junk1.length + junk2.length + junk3.length, run.decoder.junkBytes(), "line ends inside junk are junk");

        Run split = new Run();
        List<String> seen = new ArrayList<>();
        for (byte b : stream) {
            seen.addAll(split.feed(new byte[] {b}));
        }
        assertEquals(run.decoder.junkBytes(), split.decoder.junkBytes());
        assertEquals(3, seen.size());
    }

    @Test
    void framePayloadIsASliceOfTheReadBufferNotACopy() {
        ByteBuf read = Unpooled.wrappedBuffer(concat(frame(2, 10), frame(3, 5)));
        EmbeddedChannel channel = new EmbeddedChannel(new RtspFrameDecoder());
        channel.writeInbound(read);
        InterleavedFrame first = channel.readInbound();
        InterleavedFrame second = channel.readInbound();
        assertSame(read, first.content().unwrap());
        assertEquals(10, first.content().readableBytes());
        assertEquals(3, second.channel());
        first.release();
        second.release();
        assertEquals(0, read.refCnt(), "nothing leaked");
        assertFalse(channel.finish());
    }

    @Test
    void oversizedHeaderIsAnError() {
        EmbeddedChannel channel = new EmbeddedChannel(new RtspFrameDecoder());
        byte[] endless = ascii("RTSP/1.0 200 OK\r\nX: " + "a".repeat(RtspFrameDecoder.MAX_HEADER) + "\r\n");
        assertThrows(DecoderException.class, () -> channel.writeInbound(Unpooled.wrappedBuffer(endless)));
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static String hex(byte[] frame) {
        return HexFormat.of().formatHex(frame, 4, frame.length);
    }

    private static byte[] slice(byte[] bytes, int from, int to) {
        return java.util.Arrays.copyOfRange(bytes, from, to);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /** A ByteBuf's readable bytes, without moving its reader index. */
    private static final class ByteBufBytes {
        static byte[] of(ByteBuf buf) {
            byte[] bytes = new byte[buf.readableBytes()];
            buf.getBytes(buf.readerIndex(), bytes);
            return bytes;
        }
    }
}
