package org.nvr.cli;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.nvr.daemon.Recorder;
import org.nvr.source.ffmpeg.FfmpegCameraOpener;
import org.nvr.testing.HangingOpener;
import picocli.CommandLine;

/**
 * {@code nvr} as {@link Main} runs it, except that {@code run}'s camera reads block for good, like a
 * native call that never returns, once a file {@code hang-<camera id>} appears in the directory named
 * by {@code -Dnvr.test.hang-dir}, and that a session counts as hung after {@code -Dnvr.test.hang-after}
 * (an ISO-8601 duration) instead of minutes, and that camera names are looked up with the name server
 * {@code -Dnvr.test.name-server} ({@code 127.0.0.1:PORT}) when given. The child process of the sd_notify
 * tests.
 */
public final class HangableNvr {
    private HangableNvr() {
    }

    public static void main(String[] args) {
        Path dir = Path.of(System.getProperty("nvr.test.hang-dir"));
        Duration hangAfter = Duration.parse(System.getProperty("nvr.test.hang-after"));
        HangingOpener opener = new HangingOpener(new FfmpegCameraOpener(), id -> Files.exists(dir.resolve("hang-" + id)));
        Recorder.Options options = Recorder.Options.defaults().withOpener(opener).withHangAfter(hangAfter);
        String nameServer = System.getProperty("nvr.test.name-server");
        if (nameServer != null) {
            int colon = nameServer.lastIndexOf(':');
            options = options.withNameServers(List.of(new InetSocketAddress(nameServer.substring(0, colon),
                    Integer.parseInt(nameServer.substring(colon + 1)))));
        }
        Recorder.Options chosen = options;
        CommandLine.IFactory factory = new CommandLine.IFactory() {
            @Override
            public <K> K create(Class<K> cls) throws Exception {
                return cls == RunCommand.class ? cls.cast(new RunCommand(chosen)) : CommandLine.defaultFactory().create(cls);
            }
        };
        Main.configureLogging(args, System.getenv());
        System.exit(Main.commandLine(factory).execute(args));
    }
}
