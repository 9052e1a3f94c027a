package org.nvr.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nvr.testing.VlcRtspServer;

/**
 * {@code nvr probe} against VLC's RTSP output, which serves RTP over UDP only: {@code --transport udp}
 * receives it and prints codec and picture size; {@code --transport tcp} says plainly that the camera
 * refuses it (461) and what to try instead.
 */
class ProbeCommandVlcTest {

    /** 12 s of pictures, fed once in real time: enough for both probes. */
    private static final VlcRtspServer.Clip CLIP = new VlcRtspServer.Clip(320, 240, 25, 25, 300, 25);
    private static VlcRtspServer vlc;

    @BeforeAll
    static void start() throws Exception {
        vlc = VlcRtspServer.start(CLIP);
        vlc.play();
    }

    @AfterAll
    static void stop() {
        vlc.close();
    }

    @Test
    void udpReceivesVlcAndPrintsCodecAndSize() {
        Cli cli = Cli.run("probe", vlc.url(), "--transport", "udp", "--seconds", "2");

        assertEquals(Main.OK, cli.exitCode(), cli.out() + cli.err());
        assertTrue(cli.out().contains("transport:   udp"), cli.out());
        assertTrue(cli.out().contains("video:       h264, 320x240, "), cli.out());
        assertTrue(cli.out().contains(", transport: udp }"), cli.out());
    }

    @Test
    void tcpIsRefusedWith461AndSaysWhatToTry() {
        Cli cli = Cli.run("probe", vlc.url(), "--transport", "tcp", "--seconds", "1");

        assertEquals(Main.FAILED, cli.exitCode(), cli.out() + cli.err());
        assertTrue(cli.out().contains("no frames: protocol (transport refused: the camera answered SETUP over tcp with"
                + " 461 Unsupported Transport"), cli.out());
        assertTrue(cli.out().contains("try --transport udp"), cli.out());
        assertTrue(cli.out().contains("< RTSP/1.0 461 "), cli.out());
    }
}
