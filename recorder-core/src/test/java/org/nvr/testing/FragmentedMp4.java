package org.nvr.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Small fragmented MP4 files made by Debian's {@code /usr/bin/ffmpeg} (libx264 test pattern, 1 s
 * fragments), laid out as the recorder writes them, for tests that need real footage without
 * recording a camera. Stateless; any thread.
 */
public final class FragmentedMp4 {
    private FragmentedMp4() {
    }

    /** Writes {@code seconds} of 160x120, 25 fps H.264 to {@code file} (its directories are created). */
    public static void write(Path file, int seconds) throws IOException, InterruptedException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        ExternalCommand.Result r = ExternalCommand.run(List.of(MediaProbe.FFMPEG, "-nostdin", "-v", "error", "-y",
                "-f", "lavfi", "-i", "testsrc=duration=" + seconds + ":size=160x120:rate=25",
                "-c:v", "libx264", "-g", "25", "-pix_fmt", "yuv420p",
                "-movflags", "frag_keyframe+empty_moov+default_base_moof", "-f", "mp4", file.toString()),
                Duration.ofSeconds(60));
        if (r.exitCode() != 0) {
            throw new IOException("ffmpeg could not write " + file + ": " + r.stderr());
        }
    }
}
