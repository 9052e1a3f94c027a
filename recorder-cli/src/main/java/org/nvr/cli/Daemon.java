package org.nvr.cli;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.nvr.camera.CameraState;
import org.nvr.config.MetricsConfig;
import org.nvr.config.NvrConfig;
import org.nvr.daemon.Recorder;
import org.nvr.daemon.StorageLock;
import org.nvr.index.IndexException;
import org.nvr.metrics.BasicAuth;
import org.nvr.metrics.Health;
import org.nvr.metrics.MetricsServer;
import org.nvr.metrics.RecorderMetrics;
import org.nvr.web.WebServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * The running daemon: the HTTP endpoint, then the recorder, then (with {@code web:}) the web server,
 * whose audit lines go through the recorder's index writer. Shared by {@code run} and {@code demo}.
 * Closes in reverse order: the web server (no request outlives the writer), the recorder (open
 * segments closed and indexed), then the endpoint.
 * With {@code metrics.auth} the endpoint asks scrapers of {@code /metrics} for Basic credentials;
 * without it, a warning is logged when it listens beyond loopback.
 *
 * <p>SIGTERM and SIGINT are caught (not left to shutdown hooks) so that a stop ends with exit code 0
 * after everything is closed, as systemd and the contract expect.
 */
final class Daemon implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Daemon.class);

    private final RecorderMetrics metrics;
    private final MetricsServer server;
    private final Recorder recorder;
    private final WebServer web;
    private final CountDownLatch stop = new CountDownLatch(1);

    private Daemon(RecorderMetrics metrics, MetricsServer server, Recorder recorder, WebServer web) {
        this.metrics = metrics;
        this.server = server;
        this.recorder = recorder;
        this.web = web;
    }

    static Daemon start(NvrConfig config, Recorder.Options options) throws IOException, IndexException,
            InterruptedException {
        RecorderMetrics metrics = new RecorderMetrics();
        AtomicReference<Recorder> recorderRef = new AtomicReference<>();
        MetricsServer server;
        try {
            server = MetricsServer.start(config.metrics().host(), config.metrics().port(), metrics,
                    () -> health(recorderRef.get()), serverOptions(config.metrics()));
        } catch (IOException | RuntimeException e) {
            metrics.close();
            throw e;
        }
        Recorder recorder;
        try {
            recorder = Recorder.start(config, options.withMetrics(metrics));
            recorderRef.set(recorder);
        } catch (IndexException | InterruptedException | RuntimeException e) {
            server.close();
            metrics.close();
            throw e;
        }
        try {
            WebServer web = config.web().isPresent()
                    ? WebServer.start(config, recorder.index(),
                    WebServer.Options.DEFAULT.with(config.web().get().limits()), recorder.live()) : null;
            return new Daemon(metrics, server, recorder, web);
        } catch (IOException | RuntimeException e) {
            recorder.close();
            server.close();
            metrics.close();
            throw e;
        }
    }

    /**
     * The error for a start that failed: exit 2 when another recorder holds the storage root (the second
     * one was started by mistake, like a bad configuration; systemd does not restart it), else 1.
     */
    static UserError startFailed(Exception e) {
        return e.getCause() instanceof StorageLock.InUseException
                ? UserError.usage(e.getMessage()) : UserError.failed(e.getMessage());
    }

    /** Basic auth from {@code metrics.auth}; a warning when the scrape is open beyond this machine. */
    private static MetricsServer.Options serverOptions(MetricsConfig config) {
        MetricsServer.Options options = MetricsServer.Options.DEFAULT.with(config.limits());
        if (config.auth().isPresent()) {
            return options.withAuth(BasicAuth.of(config.auth().get()));
        }
        if (!isLoopback(config.host())) {
            LOG.warn("/metrics on {} is open to anyone who can reach it; set metrics.auth to require a password",
                    config.listen());
        }
        return options;
    }

    private static boolean isLoopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    private static Health health(Recorder recorder) {
        if (recorder == null) {
            return Health.unhealthy("starting");
        }
        if (!recorder.healthy()) {
            return Health.unhealthy(recorder.index().notWritable().map(why -> "index not writable: " + why)
                    .orElse("recorder stopping"));
        }
        Map<String, Object> details = new LinkedHashMap<>();
        long up = recorder.statuses().stream().filter(s -> s.current() == CameraState.RECORDING).count();
        details.put("cameras", recorder.statuses().size());
        details.put("cameras_recording", up);
        details.putAll(recorder.healthDetails());
        return Health.healthy(details);
    }

    String metricsUrl() {
        String host = server.address().getAddress().getHostAddress();
        return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + server.port() + "/metrics";
    }

    /** The web pages' address, when {@code web:} is configured. */
    Optional<String> webUrl() {
        return Optional.ofNullable(web).map(WebServer::url);
    }

    Recorder recorder() {
        return recorder;
    }

    /** Makes SIGTERM and SIGINT end {@link #awaitStop}. */
    void handleSignals() {
        for (String name : new String[] {"TERM", "INT"}) {
            Signal.handle(new Signal(name), s -> {
                LOG.info("SIG{} received: stopping", s.getName());
                stop.countDown();
            });
        }
    }

    /** Blocks until a signal or {@link #requestStop()}, or until {@code millis} pass (0 = forever). */
    void awaitStop(long millis) throws InterruptedException {
        if (millis <= 0) {
            stop.await();
        } else {
            stop.await(millis, java.util.concurrent.TimeUnit.MILLISECONDS);
        }
    }

    void requestStop() {
        stop.countDown();
    }

    @Override
    public void close() {
        if (web != null) {
            web.close();
        }
        recorder.close();
        server.close();
        metrics.close();
    }
}
