package org.nvr.sim;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;

/**
 * Captures the interleaved RTP of an RTSP server for tests outside this package (the RTP
 * depacketizers' interop test against gst-rtsp-server): DESCRIBE, SETUP of every media section over
 * TCP (section i on channels 2i and 2i+1), PLAY, then every interleaved frame for a while, then
 * TEARDOWN. Uses {@link RawRtspClient}; every read is bounded by its socket timeout. Stateless.
 */
public final class RtspCapture {

    /** What was received: the SDP and every interleaved frame, in arrival order. */
    public record Capture(String sdp, List<Packet> packets) {
        /** The frames of one channel (2i: RTP of media section i; 2i+1: its RTCP). */
        public List<byte[]> channel(int channel) {
            return packets.stream().filter(p -> p.channel() == channel).map(Packet::data).toList();
        }
    }

    public record Packet(int channel, byte[] data) {
    }

    private RtspCapture() {
    }

    /**
     * @param port       the server's port on 127.0.0.1
     * @param url        the stream's URL
     * @param millis     how long to capture after PLAY
     */
    public static Capture capture(int port, String url, long millis) throws IOException {
        try (RawRtspClient client = new RawRtspClient(port, 5000)) {
            RawRtspClient.Response describe = client.request("DESCRIBE", url, "Accept: application/sdp");
            if (describe.status() != 200) {
                throw new IOException("DESCRIBE " + url + ": " + describe.status());
            }
            String base = describe.header("content-base") != null ? describe.header("content-base") : url + "/";
            List<String> controls = new ArrayList<>();
            for (String line : describe.body().split("\r?\n")) {
                if (line.startsWith("m=")) {
                    controls.add(null);
                } else if (line.startsWith("a=control:") && !controls.isEmpty()) {
                    controls.set(controls.size() - 1, line.substring("a=control:".length()).trim());
                }
            }
            String session = null;
            for (int i = 0; i < controls.size(); i++) {
                String control = controls.get(i);
                String trackUrl = control.startsWith("rtsp://") ? control : base + control;
                String transport = "Transport: RTP/AVP/TCP;unicast;interleaved=" + (2 * i) + "-" + (2 * i + 1);
                RawRtspClient.Response setup = session == null
                        ? client.request("SETUP", trackUrl, transport)
                        : client.request("SETUP", trackUrl, transport, "Session: " + session);
                if (setup.status() != 200) {
                    throw new IOException("SETUP " + trackUrl + ": " + setup.status());
                }
                session = setup.header("session").split(";")[0].trim();
            }
            RawRtspClient.Response play = client.request("PLAY", url, "Session: " + session, "Range: npt=0-");
            if (play.status() != 200) {
                throw new IOException("PLAY " + url + ": " + play.status());
            }
            List<Packet> packets = new ArrayList<>();
            for (RawRtspClient.Interleaved frame : client.frames) {
                packets.add(new Packet(frame.channel(), frame.data()));
            }
            long end = System.nanoTime() + millis * 1_000_000;
            try {
                while (System.nanoTime() < end) {
                    RawRtspClient.Interleaved frame = client.readFrame();
                    packets.add(new Packet(frame.channel(), frame.data()));
                }
            } catch (SocketTimeoutException e) {
                throw new IOException("no media from " + url + " for 5 s", e);
            }
            client.send("TEARDOWN", url, "Session: " + session);
            return new Capture(describe.body(), packets);
        }
    }
}
