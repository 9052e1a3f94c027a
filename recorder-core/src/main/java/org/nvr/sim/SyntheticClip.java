package org.nvr.sim;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

/**
 * An H.264 clip made in memory when the program starts, so the demo and the tests need no committed
 * media: a moving test pattern with the frame number drawn in, encoded by libopenh264 and split into
 * access units, plus the SPS/PPS a server needs for its SDP.
 *
 * <pre>{@code
 * SyntheticClip clip = SyntheticClip.generate(640, 360, 25, 25, 250, 1_000_000); // 10 s
 * String fmtp = "profile-level-id=" + clip.profileLevelId()
 *         + ";sprop-parameter-sets=" + clip.spropParameterSets();
 * }</pre>
 *
 * <p>Immutable once built; share one instance across any number of cameras and threads. Generation
 * runs on the calling thread and holds native encoder memory only while it runs.
 */
public final class SyntheticClip {

    private final int width;
    private final int height;
    private final int fps;
    private final int gop;
    private final byte[] sps;
    private final byte[] pps;
    private final List<AccessUnit> frames;

    private SyntheticClip(int width, int height, int fps, int gop, byte[] sps, byte[] pps,
            List<AccessUnit> frames) {
        this.width = width;
        this.height = height;
        this.fps = fps;
        this.gop = gop;
        this.sps = sps;
        this.pps = pps;
        this.frames = List.copyOf(frames);
    }

    /** The demo camera's clip: 640x360, 25 fps, a keyframe every second, 10 s at about 1 Mbit/s. */
    public static SyntheticClip demo() {
        return generate(640, 360, 25, 25, 250, 1_000_000);
    }

    /**
     * Encodes a clip.
     *
     * @param width      picture width in pixels, even
     * @param height     picture height in pixels, even
     * @param fps        frames per second
     * @param gop        keyframe interval in frames; frame 0 is always a keyframe
     * @param frameCount number of frames; the clip lasts {@code frameCount / fps} seconds
     * @param bitrate    target bit rate in bits per second
     * @throws IllegalStateException when the encoder fails or returns something unexpected
     */
    public static SyntheticClip generate(int width, int height, int fps, int gop, int frameCount,
            int bitrate) {
        require(width >= 16 && width % 2 == 0 && width <= 4096, "width", width);
        require(height >= 16 && height % 2 == 0 && height <= 4096, "height", height);
        require(fps >= 1 && fps <= 120, "fps", fps);
        require(gop >= 1, "gop", gop);
        require(frameCount >= 1, "frameCount", frameCount);
        require(bitrate >= 10_000, "bitrate", bitrate);

        List<OpenH264Encoder.Packet> packets = new ArrayList<>(frameCount);
        TestPattern pattern = new TestPattern(width, height);
        try (OpenH264Encoder encoder = new OpenH264Encoder(width, height, fps, gop, bitrate)) {
            for (int i = 0; i < frameCount; i++) {
                encoder.encode(i, pattern, packets::add);
            }
            encoder.flush(packets::add);
        }
        if (packets.size() != frameCount) {
            throw new IllegalStateException("libopenh264 returned " + packets.size()
                    + " packets for " + frameCount + " frames");
        }

        byte[] sps = null;
        byte[] pps = null;
        List<AccessUnit> frames = new ArrayList<>(frameCount);
        for (OpenH264Encoder.Packet packet : packets) {
            List<byte[]> picture = new ArrayList<>();
            boolean idr = false;
            for (byte[] nal : AnnexB.split(packet.annexB(), packet.annexB().length)) {
                switch (AnnexB.nalType(nal)) {
                    case AnnexB.NAL_SPS -> sps = sameOrFirst(sps, nal, "SPS");
                    case AnnexB.NAL_PPS -> pps = sameOrFirst(pps, nal, "PPS");
                    // Access unit delimiters carry nothing an RTP receiver needs.
                    case AnnexB.NAL_AUD -> { }
                    default -> {
                        idr |= AnnexB.nalType(nal) == AnnexB.NAL_IDR;
                        picture.add(nal);
                    }
                }
            }
            if (picture.isEmpty()) {
                throw new IllegalStateException("libopenh264 returned a packet with no picture");
            }
            frames.add(new AccessUnit(idr || packet.keyframe(), picture));
        }
        if (sps == null || pps == null || sps.length < 4) {
            throw new IllegalStateException("libopenh264 output has no SPS/PPS");
        }
        if (!frames.get(0).keyframe()) {
            throw new IllegalStateException("libopenh264 did not start with a keyframe");
        }
        return new SyntheticClip(width, height, fps, gop, sps, pps, frames);
    }

    /**
     * This clip with an access unit delimiter in front of every picture, as x264 and many cameras
     * send: it goes out as an RTP packet of its own, before the parameter sets, so the first packet a
     * client receives after connecting holds no picture data at all.
     */
    public SyntheticClip withAccessUnitDelimiters() {
        byte[] aud = {AnnexB.NAL_AUD, (byte) 0xF0}; // primary_pic_type 7 (any), then the stop bit
        List<AccessUnit> delimited = new ArrayList<>(frames.size());
        for (AccessUnit frame : frames) {
            List<byte[]> nals = new ArrayList<>(frame.nalUnits().size() + 1);
            nals.add(aud);
            nals.addAll(frame.nalUnits());
            delimited.add(new AccessUnit(frame.keyframe(), nals));
        }
        return new SyntheticClip(width, height, fps, gop, sps, pps, delimited);
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    public int fps() {
        return fps;
    }

    /** Requested keyframe interval in frames. */
    public int gop() {
        return gop;
    }

    public int frameCount() {
        return frames.size();
    }

    public Duration duration() {
        return Duration.ofNanos(frames.size() * 1_000_000_000L / fps);
    }

    public int keyframeCount() {
        return (int) frames.stream().filter(AccessUnit::keyframe).count();
    }

    /** Encoded size of all pictures, parameter sets excluded. */
    public long byteCount() {
        return frames.stream().mapToLong(AccessUnit::byteCount).sum();
    }

    public byte[] sps() {
        return sps.clone();
    }

    public byte[] pps() {
        return pps.clone();
    }

    /** Profile, constraint flags and level from the SPS as six hex digits, e.g. {@code 42C01E}. */
    public String profileLevelId() {
        return HexFormat.of().withUpperCase().formatHex(sps, 1, 4);
    }

    /** Base64 SPS and PPS separated by a comma, as RFC 6184 wants them in the SDP. */
    public String spropParameterSets() {
        Base64.Encoder base64 = Base64.getEncoder();
        return base64.encodeToString(sps) + "," + base64.encodeToString(pps);
    }

    /** Writes the whole clip as an Annex-B stream (parameter sets before each keyframe). */
    public void writeAnnexB(OutputStream out) throws IOException {
        byte[] startCode = {0, 0, 0, 1};
        for (AccessUnit frame : frames) {
            List<byte[]> nals = frame.nalUnits();
            int first = frame.delimited() ? 1 : 0;
            if (first == 1) {
                out.write(startCode);
                out.write(nals.get(0));
            }
            if (frame.keyframe()) {
                out.write(startCode);
                out.write(sps);
                out.write(startCode);
                out.write(pps);
            }
            for (byte[] nal : nals.subList(first, nals.size())) {
                out.write(startCode);
                out.write(nal);
            }
        }
    }

    /**
     * The frame number drawn into a decoded picture of a clip of this size, for checking that
     * recorded or exported footage holds the right frames in the right order. Numbers count from 0
     * at the start of the clip and start over when it loops.
     *
     * @param luma   8-bit luma (or GRAY8) plane, starting at its current position
     * @param stride bytes per row
     */
    public static int frameNumberOf(ByteBuffer luma, int stride, int width, int height) {
        return TestPattern.readCounter(luma, stride, width, height);
    }

    AccessUnit frame(int index) {
        return frames.get(index);
    }

    byte[] spsShared() {
        return sps;
    }

    byte[] ppsShared() {
        return pps;
    }

    @Override
    public String toString() {
        return "SyntheticClip[" + width + "x" + height + "@" + fps + "fps, " + frames.size()
                + " frames, gop " + gop + ", " + byteCount() + " bytes]";
    }

    private static byte[] sameOrFirst(byte[] seen, byte[] nal, String what) {
        if (seen != null && !Arrays.equals(seen, nal)) {
            throw new IllegalStateException("libopenh264 changed its " + what + " mid-clip");
        }
        return seen != null ? seen : nal;
    }

    private static void require(boolean ok, String name, int value) {
        if (!ok) {
            throw new IllegalArgumentException(name + " out of range: " + value);
        }
    }
}
