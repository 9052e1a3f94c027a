package org.nvr.source.ffmpeg;

import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_AAC;
import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_H264;
import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_PCM_ALAW;
import static org.bytedeco.ffmpeg.global.avformat.avformat_alloc_context;
import static org.bytedeco.ffmpeg.global.avformat.avformat_free_context;
import static org.bytedeco.ffmpeg.global.avformat.avformat_new_stream;
import static org.bytedeco.ffmpeg.global.avutil.AVMEDIA_TYPE_AUDIO;
import static org.bytedeco.ffmpeg.global.avutil.AVMEDIA_TYPE_VIDEO;
import static org.bytedeco.ffmpeg.global.avutil.av_channel_layout_default;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avutil.AVRational;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nvr.camera.StreamWarnings;
import org.nvr.config.AudioPolicy;
import org.nvr.config.CameraConfig;
import org.nvr.daemon.TestCameras;
import org.nvr.ffmpeg.FfmpegRuntime;
import org.slf4j.LoggerFactory;

/** What a session records of an H.264 camera's audio, per codec and audio policy. */
class StreamPlanTest {
    AVFormatContext ic;
    ListAppender<ILoggingEvent> warnings = new ListAppender<>();

    @BeforeEach
    void setUp() {
        FfmpegRuntime.init();
        ic = avformat_alloc_context();
        AVStream video = avformat_new_stream(ic, null);
        video.codecpar().codec_type(AVMEDIA_TYPE_VIDEO).codec_id(AV_CODEC_ID_H264).width(640).height(360);
        video.time_base(new AVRational().num(1).den(90_000));
        warnings.start();
        ((Logger) LoggerFactory.getLogger(StreamWarnings.class)).addAppender(warnings);
    }

    @AfterEach
    void tearDown() {
        ((Logger) LoggerFactory.getLogger(StreamWarnings.class)).detachAppender(warnings);
        avformat_free_context(ic);
    }

    private void addAudio(int codecId, int rate, int channels) {
        AVStream audio = avformat_new_stream(ic, null);
        audio.codecpar().codec_type(AVMEDIA_TYPE_AUDIO).codec_id(codecId).sample_rate(rate);
        if (channels > 0) {
            av_channel_layout_default(audio.codecpar().ch_layout(), channels);
        }
        audio.time_base(new AVRational().num(1).den(rate));
    }

    private static CameraConfig camera(AudioPolicy audio) {
        return TestCameras.camera("cam-1", "site", "rtsp://127.0.0.1/x", audio);
    }

    private List<String> warned() {
        return warnings.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }

    @Test
    void transcodePolicyRecordsG711AsAac() throws Exception {
        addAudio(AV_CODEC_ID_PCM_ALAW, 8000, 1);
        try (StreamPlan plan = StreamPlan.of(ic, camera(AudioPolicy.TRANSCODE), new StreamWarnings())) {
            assertEquals(2, plan.trackCount());
            assertEquals(1, plan.trackOf(1));
            assertEquals(1, plan.transcodedTrack());
            assertNotNull(plan.transcoder(1));
            assertNull(plan.transcoder(0));
            assertEquals("aac", plan.audioCodec());
            assertEquals(AV_CODEC_ID_AAC, plan.tracks().get(1).parameters().codec_id());
            assertTrue(plan.tracks().get(1).parameters().extradata_size() > 0, "AudioSpecificConfig for the sample entry");
            assertEquals(16_000, plan.timeBase(1).den());
            assertEquals("h264 640x360 + aac (from pcm_alaw)", plan.describe());
            assertEquals(List.of(), warned());
        }
    }

    @Test
    void copyPolicyDropsG711WithAWarning() throws Exception {
        addAudio(AV_CODEC_ID_PCM_ALAW, 8000, 1);
        try (StreamPlan plan = StreamPlan.of(ic, camera(AudioPolicy.COPY_OR_DROP), new StreamWarnings())) {
            assertEquals(1, plan.trackCount());
            assertEquals(-1, plan.trackOf(1));
            assertNull(plan.audioCodec());
            assertEquals(1, warned().size());
            assertTrue(warned().get(0).contains("audio (pcm_alaw) is not recorded"), warned().get(0));
        }
    }

    @Test
    void dropPolicyRecordsVideoOnlyWithoutAWarning() throws Exception {
        addAudio(AV_CODEC_ID_PCM_ALAW, 8000, 1);
        try (StreamPlan plan = StreamPlan.of(ic, camera(AudioPolicy.DROP), new StreamWarnings())) {
            assertEquals(1, plan.trackCount());
            assertEquals(List.of(), warned());
        }
    }

    @Test
    void aacIsCopiedNotTranscoded() throws Exception {
        addAudio(AV_CODEC_ID_AAC, 16_000, 1);
        try (StreamPlan plan = StreamPlan.of(ic, camera(AudioPolicy.TRANSCODE), new StreamWarnings())) {
            assertEquals(2, plan.trackCount());
            assertNull(plan.transcoder(1));
            assertEquals(-1, plan.transcodedTrack());
            assertEquals("h264 640x360 + aac", plan.describe());
        }
    }

    @Test
    void audioTheTranscoderCannotOpenIsDroppedWithAWarning() throws Exception {
        addAudio(AV_CODEC_ID_PCM_ALAW, 8000, 0); // no channel count: the decoder refuses it
        try (StreamPlan plan = StreamPlan.of(ic, camera(AudioPolicy.TRANSCODE), new StreamWarnings())) {
            assertEquals(1, plan.trackCount(), "video only");
            assertEquals(-1, plan.trackOf(1));
            assertEquals(1, warned().size());
            assertTrue(warned().get(0).contains("cannot be transcoded to AAC"), warned().get(0));
        }
    }

    @Test
    void stoppingTranscodingStopsTheAudioButKeepsTheTrackLayout() throws Exception {
        addAudio(AV_CODEC_ID_PCM_ALAW, 8000, 1);
        try (StreamPlan plan = StreamPlan.of(ic, camera(AudioPolicy.TRANSCODE), new StreamWarnings())) {
            plan.stopTranscoding();
            assertEquals(-1, plan.trackOf(1), "the camera's audio is no longer routed");
            assertNull(plan.transcoder(1));
            assertEquals(-1, plan.transcodedTrack());
            assertEquals(2, plan.tracks().size(), "segments opened later in the session keep their layout");
            assertEquals(AV_CODEC_ID_AAC, plan.tracks().get(1).parameters().codec_id(), "parameters still valid");
        }
    }
}
