package org.nvr.web.live;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.nvr.media.Codec;
import org.nvr.media.Frame;
import org.nvr.media.Track;
import org.nvr.sim.SyntheticClip;

/** A synthetic clip as the media model's track and frames (25 fps on a 90 kHz clock), for the live tests. */
final class LiveClip {
    final SyntheticClip clip;
    final Track track;
    final List<Frame> frames = new ArrayList<>();

    LiveClip(int width, int height, int gop, int count) throws IOException {
        clip = SyntheticClip.generate(width, height, 25, gop, count, 300_000);
        track = Track.video(0, Codec.H264, 90_000, List.of(clip.sps(), clip.pps()));
        ByteArrayOutputStream annexB = new ByteArrayOutputStream();
        clip.writeAnnexB(annexB);
        List<byte[]> picture = new ArrayList<>();
        boolean key = false;
        for (byte[] nal : split(annexB.toByteArray())) {
            int type = nal[0] & 0x1f;
            boolean slice = type >= 1 && type <= 5;
            if (slice && (nal[1] & 0x80) != 0 && !picture.isEmpty()) {
                frames.add(frame(key, picture));
                picture.clear();
                key = false;
            }
            if (slice) {
                picture.add(nal);
                key |= type == 5;
            }
        }
        frames.add(frame(key, picture));
    }

    private Frame frame(boolean key, List<byte[]> nals) {
        long time = frames.size() * 3600L;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] nal : nals) {
            out.write(nal.length >>> 24);
            out.write(nal.length >>> 16);
            out.write(nal.length >>> 8);
            out.write(nal.length);
            out.writeBytes(nal);
        }
        return new Frame(track, time, time, key, out.toByteArray());
    }

    private static List<byte[]> split(byte[] b) {
        List<Integer> starts = new ArrayList<>();
        for (int i = 0; i + 2 < b.length; i++) {
            if (b[i] == 0 && b[i + 1] == 0 && b[i + 2] == 1) {
                starts.add(i + 3);
                i += 2;
            }
        }
        List<byte[]> nals = new ArrayList<>();
        for (int k = 0; k < starts.size(); k++) {
            int to = k + 1 < starts.size() ? starts.get(k + 1) - 3 : b.length;
            if (k + 1 < starts.size() && b[to - 1] == 0) {
                to--; // a 4-byte start code
            }
            nals.add(Arrays.copyOfRange(b, starts.get(k), to));
        }
        return nals;
    }
}
