package org.nvr.sim;

/**
 * Ways real cameras bend RTSP, SDP and RTP (from {@code CAMERA-QUIRKS.md}) that a {@link SimulatedCamera}
 * can be told to show ({@link SimulatedCamera#setQuirks}); a client must record through every one.
 */
public enum Quirk {
    /** {@code a=rtpmap:96 H264/90000   }: blanks after the encoding. */
    RTPMAP_TRAILING_SPACES,
    /** The SDP has no {@code o=} line. */
    NO_ORIGIN_LINE,
    /** The media section's {@code a=control} comes right after its {@code m=} line, before {@code a=rtpmap}. */
    CONTROL_BEFORE_OTHER_ATTRIBUTES,
    /** The track's {@code a=control} is an absolute {@code rtsp://} URL, not relative to Content-Base. */
    ABSOLUTE_CONTROL_URL,
    /** {@code Content-Base: 127.0.0.1:PORT/path/}, without {@code rtsp://} (Anjvision). */
    SCHEMELESS_CONTENT_BASE,
    /** A session id of mixed case and {@code Session: id ;TimeOut = N}. */
    SESSION_TIMEOUT_ODD_CASE,
    /** Single NAL unit packets carry an Annex B start code before the NAL unit, SPS and PPS together in one (V380). */
    ANNEX_B_IN_SINGLE_NAL_PACKETS,
    /** Every picture opens with an SEI whose packet has the marker bit set (Ivel). */
    MARKER_ON_SEI,
    /** Media sections before the video that cannot be parsed or have no payload format we know (TP-Link). */
    EXTRA_UNPARSEABLE_MEDIA
}
