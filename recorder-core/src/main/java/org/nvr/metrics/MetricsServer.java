package org.nvr.metrics;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import org.nvr.config.HttpLimits;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The HTTP endpoint of {@code metrics.listen}: {@code GET /metrics} (the Prometheus scrape of a
 * {@link RecorderMetrics}) and {@code GET /healthz} (a {@link Health} as JSON, 200 or 503). HEAD is
 * answered like GET without a body; other methods get 405, other paths 404. HTTP/1.1 keep-alive;
 * a connection quiet for {@link Options#idleTimeout()} is closed. Hostile or broken clients are kept
 * cheap by {@link Limits}: connections capped ({@link ConnectionLimit}), requests capped in size and
 * time ({@link RequestDeadline}), password checks off the event loop, bounded, remembered when good
 * and throttled per address when bad ({@link CredentialCheck}).
 *
 * <p>Threads: one Netty event loop thread named {@code nvr-http} (a daemon) accepts and serves every
 * connection; the scrape and the health supplier run on it, so the supplier must answer from state
 * the daemon keeps up to date and never block (no index query, no disk probe). Password checks run
 * on the {@code nvr-http-auth} threads. {@link #start} and {@link #close} may be called from any
 * thread.
 *
 * <p>Owns its event loop group, server channel and password-check threads; {@link #close()} stops
 * listening, shuts them down within a bounded wait and is safe to call twice. Does not own the
 * metrics.
 */
public final class MetricsServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MetricsServer.class);
    private static final String THREAD_NAME = "nvr-http";
    private static final long BIND_TIMEOUT_SECONDS = 10;
    private static final long SHUTDOWN_TIMEOUT_SECONDS = 3;

    /**
     * Tuning and optional protection.
     *
     * @param idleTimeout a connection with no read or write for this long is closed
     * @param auth        when not null, {@code /metrics} requests must carry matching Basic credentials
     *                    ({@code /healthz} stays open, as the contract describes it)
     * @param limits      what one client, or many, may cost
     */
    public record Options(Duration idleTimeout, BasicAuth auth, Limits limits) {
        public static final Options DEFAULT = new Options(Duration.ofSeconds(60), null, Limits.DEFAULT);

        public Options {
            Objects.requireNonNull(idleTimeout, "idleTimeout");
            Objects.requireNonNull(limits, "limits");
            requirePositive("idleTimeout", idleTimeout);
        }

        public Options withIdleTimeout(Duration timeout) {
            return new Options(timeout, auth, limits);
        }

        public Options withAuth(BasicAuth basicAuth) {
            return new Options(idleTimeout, basicAuth, limits);
        }

        public Options withLimits(Limits newLimits) {
            return new Options(idleTimeout, auth, newLimits);
        }

        /** These options with what the operator may set ({@code metrics.limits}). */
        public Options with(HttpLimits configured) {
            return new Options(configured.idleTimeout(), auth, limits.with(configured));
        }
    }

    /**
     * Bounds on what clients may cost, so that neither a flood of password guesses nor a pile of slow
     * connections delays {@code /healthz} or the recording that shares the machine.
     *
     * @param maxConnections   connections open at once; one more is closed as soon as it is accepted
     * @param maxPerAddress    the same, per client address, so one client cannot take every slot
     * @param requestDeadline  a request must arrive whole within this time of its first byte (slowloris)
     * @param verifyThreads    threads that check passwords (each check is one PBKDF2 derivation)
     * @param verifyQueue      checks waiting for a thread; beyond it a request gets 503
     * @param failuresAllowed  wrong credentials from one address within {@code failureWindow}; beyond
     *                         them 429 with Retry-After, without checking, until the window ends
     * @param failureWindow    see {@code failuresAllowed}; the window starts at the first failure
     * @param rememberAccepted how long a header that passed the check is accepted without a new one
     * @param refusalDelay     how long a 429 or 503 is held back (the connection reads nothing
     *                         meanwhile), so a client that ignores Retry-After costs a few answers a
     *                         second per connection instead of thousands
     * @param maxRequestBytes  a whole request (headers and body) larger than this is refused
     * @param maxHeaderBytes   the request's headers together; longer ones are refused
     */
    public record Limits(int maxConnections, int maxPerAddress, Duration requestDeadline, int verifyThreads,
                         int verifyQueue, int failuresAllowed, Duration failureWindow, Duration rememberAccepted,
                         Duration refusalDelay, int maxRequestBytes, int maxHeaderBytes) {
        /** Requests are GET/HEAD: headers only, so a small cap keeps a misbehaving client cheap. */
        public static final Limits DEFAULT = new Limits(64, 8, Duration.ofSeconds(10), 2, 8, 5, Duration.ofMinutes(1),
                Duration.ofMinutes(10), Duration.ofSeconds(1), 8 * 1024, 8 * 1024);

        public Limits {
            if (maxConnections < 1 || maxPerAddress < 1 || verifyThreads < 1 || verifyQueue < 1 || failuresAllowed < 1
                    || maxRequestBytes < 1 || maxHeaderBytes < 1) {
                throw new IllegalArgumentException("connection, thread, queue, failure and size limits must be positive");
            }
            requirePositive("requestDeadline", requestDeadline);
            requirePositive("failureWindow", failureWindow);
            requirePositive("rememberAccepted", rememberAccepted);
            Objects.requireNonNull(refusalDelay, "refusalDelay");
            if (refusalDelay.isNegative()) {
                throw new IllegalArgumentException("refusalDelay must not be negative: " + refusalDelay);
            }
        }

        public Limits withConnections(int max, int perAddress) {
            return new Limits(max, perAddress, requestDeadline, verifyThreads, verifyQueue, failuresAllowed,
                    failureWindow, rememberAccepted, refusalDelay, maxRequestBytes, maxHeaderBytes);
        }

        public Limits withRequestDeadline(Duration deadline) {
            return new Limits(maxConnections, maxPerAddress, deadline, verifyThreads, verifyQueue, failuresAllowed,
                    failureWindow, rememberAccepted, refusalDelay, maxRequestBytes, maxHeaderBytes);
        }

        public Limits withVerification(int threads, int queue) {
            return new Limits(maxConnections, maxPerAddress, requestDeadline, threads, queue, failuresAllowed,
                    failureWindow, rememberAccepted, refusalDelay, maxRequestBytes, maxHeaderBytes);
        }

        public Limits withFailures(int allowed, Duration window) {
            return new Limits(maxConnections, maxPerAddress, requestDeadline, verifyThreads, verifyQueue, allowed,
                    window, rememberAccepted, refusalDelay, maxRequestBytes, maxHeaderBytes);
        }

        public Limits withRefusalDelay(Duration delay) {
            return new Limits(maxConnections, maxPerAddress, requestDeadline, verifyThreads, verifyQueue,
                    failuresAllowed, failureWindow, rememberAccepted, delay, maxRequestBytes, maxHeaderBytes);
        }

        public Limits withRequestBytes(int request, int header) {
            return new Limits(maxConnections, maxPerAddress, requestDeadline, verifyThreads, verifyQueue,
                    failuresAllowed, failureWindow, rememberAccepted, refusalDelay, request, header);
        }

        /** These limits with what the operator may set ({@code limits:} of {@code web:} or {@code metrics:}). */
        public Limits with(HttpLimits configured) {
            return withConnections(configured.maxConnections(), configured.maxConnectionsPerAddress())
                    .withRequestDeadline(configured.requestDeadline())
                    .withFailures(configured.loginFailures(), configured.loginFailureWindow())
                    .withRequestBytes(configured.maxRequestBytes(), configured.maxHeaderBytes());
        }
    }

    private static void requirePositive(String name, Duration duration) {
        Objects.requireNonNull(duration, name);
        if (duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException(name + " must be positive: " + duration);
        }
    }

    private final EventLoopGroup group;
    private final Channel serverChannel;
    private final InetSocketAddress address;
    private final AtomicBoolean closed = new AtomicBoolean();

    private final CredentialCheck credentials;

    private MetricsServer(EventLoopGroup group, Channel serverChannel, CredentialCheck credentials) {
        this.group = group;
        this.serverChannel = serverChannel;
        this.credentials = credentials;
        this.address = (InetSocketAddress) serverChannel.localAddress();
    }

    /** {@link #start(String, int, RecorderMetrics, Supplier, Options)} with {@link Options#DEFAULT}. */
    public static MetricsServer start(String host, int port, RecorderMetrics metrics, Supplier<Health> health)
            throws IOException {
        return start(host, port, metrics, health, Options.DEFAULT);
    }

    /**
     * Binds {@code host:port} (port 0 picks a free port, see {@link #port()}) and starts serving.
     *
     * @throws BindException naming the address when it cannot be bound (in use, not local, unresolvable)
     */
    public static MetricsServer start(String host, int port, RecorderMetrics metrics, Supplier<Health> health,
                                      Options options) throws IOException {
        BasicAuth auth = options.auth();
        return start(host, port, metrics, health, options, auth == null ? null : auth::accepts, Clock.systemUTC());
    }

    /**
     * As {@link #start(String, int, RecorderMetrics, Supplier, Options)}, with the full password check
     * and the throttle's clock given (tests count and time the checks); {@code verifier} null: no auth.
     */
    static MetricsServer start(String host, int port, RecorderMetrics metrics, Supplier<Health> health,
                               Options options, Predicate<String> verifier, Clock clock) throws IOException {
        Objects.requireNonNull(metrics, "metrics");
        Objects.requireNonNull(health, "health");
        Objects.requireNonNull(options, "options");
        String printableHost = host.contains(":") ? "[" + host + "]" : host;
        String listen = printableHost + ":" + port;
        InetSocketAddress address = new InetSocketAddress(host, port);
        if (address.isUnresolved()) {
            throw ServerLoop.bindFailure(listen, "cannot resolve " + host, null);
        }
        Limits limits = options.limits();
        CredentialCheck credentials = verifier == null ? null : new CredentialCheck(verifier, limits, clock);
        HttpEndpointHandler endpoint = new HttpEndpointHandler(metrics, health, credentials, limits.refusalDelay());
        ConnectionLimit connectionLimit = new ConnectionLimit("metrics", limits.maxConnections(), limits.maxPerAddress())
                .register(metrics.registry());
        EventLoopGroup group = ServerLoop.open(THREAD_NAME);
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(connectionLimit);
                        HttpGuards.add(ch.pipeline(), limits, options.idleTimeout());
                        ch.pipeline().addLast(endpoint);
                    }
                });
        Channel channel;
        try {
            channel = ServerLoop.bind(bootstrap, address, group, THREAD_NAME, listen, BIND_TIMEOUT_SECONDS);
        } catch (BindException e) {
            if (credentials != null) {
                credentials.close();
            }
            throw e;
        }
        MetricsServer server = new MetricsServer(group, channel, credentials);
        log.info("Serving /metrics and /healthz on http://{}:{}", printableHost, server.port());
        return server;
    }

    /** The bound port (the chosen one when started with port 0). */
    public int port() {
        return address.getPort();
    }

    public InetSocketAddress address() {
        return address;
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        serverChannel.close().awaitUninterruptibly(SHUTDOWN_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        ServerLoop.shutdown(group, THREAD_NAME, SHUTDOWN_TIMEOUT_SECONDS);
        if (credentials != null) {
            credentials.close();
        }
    }

}
