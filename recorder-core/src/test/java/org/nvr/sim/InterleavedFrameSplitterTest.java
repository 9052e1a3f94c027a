package org.nvr.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class InterleavedFrameSplitterTest {

    private static final String OPTIONS = "OPTIONS rtsp://127.0.0.1/cam RTSP/1.0\r\nCSeq: 1\r\n\r\n";
    private static final String SET_PARAMETER =
            "SET_PARAMETER rtsp://127.0.0.1/cam RTSP/1.0\r\nCSeq: 2\r\ncontent-LENGTH: 12\r\n\r\nbarparam: x\n";

    @Test
    void separatesRequestsFromInterleavedFramesWhateverTheReadBoundaries() {
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        wire.writeBytes(new byte[] {'$', 1, 0, 4, 'a', 'b', '$', 'd'}); // RTCP whose data contains '$'
        wire.writeBytes(OPTIONS.getBytes(StandardCharsets.US_ASCII));
        wire.writeBytes(new byte[] {'$', 0, 0, 0});
        wire.writeBytes(SET_PARAMETER.getBytes(StandardCharsets.US_ASCII));
        byte[] bytes = wire.toByteArray();

        for (int chunk : new int[] {1, 3, 7, bytes.length}) {
            InterleavedFrameSplitter splitter = new InterleavedFrameSplitter();
            EmbeddedChannel channel = new EmbeddedChannel(splitter);
            for (int i = 0; i < bytes.length; i += chunk) {
                channel.writeInbound(Unpooled.wrappedBuffer(bytes, i, Math.min(chunk, bytes.length - i)));
            }
            assertEquals(OPTIONS, readString(channel.readInbound()), "chunks of " + chunk);
            assertEquals(SET_PARAMETER, readString(channel.readInbound()), "chunks of " + chunk);
            assertNull(channel.readInbound());
            assertEquals(2, splitter.interleavedFramesIgnored());
            channel.finishAndReleaseAll();
        }
    }

    private static String readString(ByteBuf buf) {
        try {
            return buf.toString(StandardCharsets.US_ASCII);
        } finally {
            buf.release();
        }
    }
}
