package org.nvr.sim;

/**
 * Writes the session description a simulated camera returns for DESCRIBE: one H.264 video track,
 * RTP payload type 96, packetization-mode 1, parameter sets inline (RFC 6184 section 8.1).
 * Stateless; any thread.
 */
final class Sdp {

    /** Control path of the single track, relative to the camera URL. */
    static final String TRACK = "trackID=0";

    private Sdp() {
    }

    static String describe(SimulatedCamera camera, long sessionId) {
        SyntheticClip clip = camera.clip();
        long kbps = Math.max(1, clip.byteCount() * 8 / Math.max(1, clip.duration().toMillis()));
        return "v=0\r\n"
                + "o=- " + sessionId + " 1 IN IP4 127.0.0.1\r\n"
                + "s=" + camera.path() + "\r\n"
                + "i=nvr simulated camera\r\n"
                + "c=IN IP4 0.0.0.0\r\n"
                + "t=0 0\r\n"
                + "a=tool:nvr-rtsp-simulator\r\n"
                + "a=control:*\r\n"
                + "m=video 0 RTP/AVP " + H264Packetizer.PAYLOAD_TYPE + "\r\n"
                + "b=AS:" + kbps + "\r\n"
                + "a=rtpmap:" + H264Packetizer.PAYLOAD_TYPE + " H264/" + H264Packetizer.CLOCK_RATE + "\r\n"
                + "a=fmtp:" + H264Packetizer.PAYLOAD_TYPE + " packetization-mode=1;profile-level-id="
                + clip.profileLevelId() + ";sprop-parameter-sets=" + clip.spropParameterSets() + "\r\n"
                + "a=framerate:" + clip.fps() + "\r\n"
                + "a=x-dimensions:" + clip.width() + "," + clip.height() + "\r\n"
                + "a=control:" + TRACK + "\r\n";
    }
}
