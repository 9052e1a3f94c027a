package org.nvr.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvr.config.ConfigLoader;
import org.nvr.config.NvrConfig;
import org.nvr.index.IndexWriter;
import org.nvr.metrics.BasicAuth;
import org.nvr.store.SegmentFinisher;
import org.nvr.testing.ExternalCommand;
import org.nvr.testing.MediaProbe;

/**
 * Playback keeps the camera's audio: two 3 s segments of H.264 and AAC (Debian's ffmpeg, fragmented as
 * the recorder writes them) played from the middle of the first: both tracks decode, the audio lasts as
 * long as the pictures and starts with them (the edit lists cut both at the same moment).
 */
class PlaybackAudioTest {
    static final Instant T0 = Instant.parse("2026-11-29T07:00:00Z");

    @TempDir
    Path dir;

    @Test
    void theAudioPlaysWithThePicturesAcrossSegments() throws Exception {
        Path root = dir.resolve("storage");
        String pw = "xem-camera-1";
        NvrConfig config = ConfigLoader.parse("storage: { root: " + root + " }\n"
                + "sites: [ { id: xa1, cameras: [ { id: c1, url: \"rtsp://cam/x\" } ] } ]\n"
                + "web:\n  listen: 127.0.0.1:0\n  users:\n"
                + "    - {name: xem, role: viewer, password_hash: \"" + BasicAuth.hash(pw.toCharArray(), 1000) + "\"}\n",
                Map.of());
        try (IndexWriter writer = IndexWriter.open(config.storage().indexPath())) {
            for (int start : new int[] {0, 3}) {
                String rel = "footage/xa1/c1/2026/11/29/20261129T0700%02dZ.mp4".formatted(start);
                Path file = root.resolve(rel);
                Files.createDirectories(file.getParent());
                ExternalCommand.Result r = ExternalCommand.run(List.of(MediaProbe.FFMPEG, "-nostdin", "-v", "error", "-y",
                        "-f", "lavfi", "-i", "testsrc=duration=3:size=160x120:rate=25",
                        "-f", "lavfi", "-i", "sine=frequency=440:duration=3:sample_rate=16000",
                        "-c:v", "libx264", "-g", "25", "-bf", "0", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "32k",
                        "-movflags", "frag_keyframe+empty_moov+default_base_moof", "-f", "mp4", file.toString()),
                        Duration.ofSeconds(60));
                assertEquals(0, r.exitCode(), r.stderr());
                long id = writer.openSegment(null, "xa1", "c1", rel, T0.plusSeconds(start), "h264", 160, 120, "aac").get();
                writer.closeSegment(id, T0.plusSeconds(start + 3), Duration.ofSeconds(3), Files.size(file), 75L,
                        SegmentFinisher.sha256(file)).get();
            }
            try (WebServer server = WebServer.start(config, writer, WebServer.Options.DEFAULT)) {
                HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
                HttpResponse<String> login = http.send(HttpRequest.newBuilder(URI.create(server.url() + "login"))
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString("username=xem&password=" + pw)).build(),
                        HttpResponse.BodyHandlers.ofString());
                String cookie = login.headers().firstValue("Set-Cookie").orElseThrow().split(";", 2)[0];
                for (String format : List.of("mp4", "fmp4")) {
                    HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create(server.url()
                            + "playback/c1.mp4?format=" + format + "&from="
                            + URLEncoder.encode(T0.plusMillis(1500).toString(), StandardCharsets.UTF_8)
                            + "&to=" + URLEncoder.encode(T0.plusSeconds(6).toString(), StandardCharsets.UTF_8)))
                            .header("Cookie", cookie).build(), HttpResponse.BodyHandlers.ofByteArray());
                    assertEquals(200, r.statusCode());
                    Path mp4 = dir.resolve("audio-" + format + ".mp4");
                    Files.write(mp4, r.body());
                    List<MediaProbe.StreamInfo> streams = MediaProbe.streams(mp4);
                    assertEquals(List.of("h264", "aac"), streams.stream().map(MediaProbe.StreamInfo::codecName).toList(),
                            format);
                    assertEquals(List.of(), MediaProbe.decodeErrors(mp4), format);
                    List<MediaProbe.Packet> audio = MediaProbe.audioPackets(mp4);
                    List<MediaProbe.Packet> video = MediaProbe.videoPackets(mp4);
                    double audioEnd = audio.get(audio.size() - 1).ptsTime() + audio.get(audio.size() - 1).durationTime();
                    double videoEnd = video.get(video.size() - 1).ptsTime() + video.get(video.size() - 1).durationTime();
                    double videoStart = video.stream().mapToDouble(MediaProbe.Packet::ptsTime).min().orElseThrow();
                    double audioStart = audio.get(0).ptsTime();
                    // the same moment starts both (the keyframe at 1 s, 0.5 s hidden by the edit lists)
                    assertEquals(videoStart, audioStart, 0.07, format + ": audio starts with the pictures");
                    assertEquals(videoEnd, audioEnd, 0.1, format + ": audio lasts as long as the pictures");
                    assertTrue(videoEnd - videoStart > 4.9, format + ": 1 s to 6 s, both segments: " + videoEnd);
                }
            }
        }
    }
}
