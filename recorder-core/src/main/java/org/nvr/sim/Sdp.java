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

    /**
     * @param cameraUrl the camera's {@code rtsp://} URL, for {@link Quirk#ABSOLUTE_CONTROL_URL}
     */
    static String describe(SimulatedCamera camera, long sessionId, String cameraUrl) {
        SyntheticClip clip = camera.clip();
        long kbps = Math.max(1, clip.byteCount() * 8 / Math.max(1, clip.duration().toMillis()));
        String control = "a=control:" + (camera.has(Quirk.ABSOLUTE_CONTROL_URL) ? cameraUrl + "/" + TRACK : TRACK) + "\r\n";
        boolean controlFirst = camera.has(Quirk.CONTROL_BEFORE_OTHER_ATTRIBUTES);
        return "v=0\r\n"
                + (camera.has(Quirk.NO_ORIGIN_LINE) ? "" : "o=- " + sessionId + " 1 IN IP4 127.0.0.1\r\n")
                + "s=" + camera.path() + "\r\n"
                + "i=nvr simulated camera\r\n"
                + "c=IN IP4 0.0.0.0\r\n"
                + "t=0 0\r\n"
                + "a=tool:nvr-rtsp-simulator\r\n"
                + "a=control:*\r\n"
                + (camera.has(Quirk.EXTRA_UNPARSEABLE_MEDIA)
                        ? "m=application 0 RTP/AVP abc\r\na=control:trackID=7\r\n"
                        + "m=application 0 RTP/AVP 107\r\na=rtpmap:107 vnd.onvif.metadata/90000\r\na=control:trackID=8\r\n"
                        + "m=audio 0 RTP/AVP 98\r\na=rtpmap:98 G726-32/eight\r\na=control:trackID=9\r\n"
                        : "")
                + "m=video 0 RTP/AVP " + H264Packetizer.PAYLOAD_TYPE + "\r\n"
                + (controlFirst ? control : "")
                + "b=AS:" + kbps + "\r\n"
                + "a=rtpmap:" + H264Packetizer.PAYLOAD_TYPE + " H264/" + H264Packetizer.CLOCK_RATE
                + (camera.has(Quirk.RTPMAP_TRAILING_SPACES) ? "   " : "") + "\r\n"
                + "a=fmtp:" + H264Packetizer.PAYLOAD_TYPE + " packetization-mode=1;profile-level-id="
                + clip.profileLevelId() + ";sprop-parameter-sets=" + clip.spropParameterSets() + "\r\n"
                + "a=framerate:" + clip.fps() + "\r\n"
                + "a=x-dimensions:" + clip.width() + "," + clip.height() + "\r\n"
                + (controlFirst ? "" : control);
    }
}
