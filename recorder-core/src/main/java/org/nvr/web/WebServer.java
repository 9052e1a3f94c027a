package org.nvr.web;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneId;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLException;
import org.nvr.config.HttpLimits;
import org.nvr.config.NvrConfig;
import org.nvr.config.WebConfig;
import org.nvr.index.IndexWriter;
import org.nvr.metrics.ServerLoop;
import org.nvr.metrics.ConnectionLimit;
import org.nvr.metrics.CredentialCheck;
import org.nvr.metrics.FailureThrottle;
import org.nvr.metrics.HttpGuards;
import org.nvr.metrics.MetricsServer;
import org.nvr.web.live.LiveFeeds;
import org.nvr.web.playback.FootageRoutes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The browser-facing server of {@code web.listen} (see {@link WebHandler} for the routes and who may
 * use them), over TLS when {@code web.tls} is configured. It shares the metrics endpoint's guards
 * ({@link ConnectionLimit}, {@link HttpGuards}, {@link CredentialCheck} with its per-address
 * throttle) and adds a per-user throttle of failed logins and a server-side session table.
 *
 * <p>Threads: one Netty event loop named {@code nvr-web}; password checks on {@code nvr-http-auth}
 * threads; index queries on {@code nvr-web-api} threads; playback, snapshots and exports on
 * {@code nvr-web-footage} threads ({@link FootageRoutes}). {@link #start} and {@link #close} from any
 * thread. Owns all of them and the sessions; {@link #close()} stops listening and shuts them down within
 * a bounded wait, and is safe twice. Does not own the index writer its audit lines go through.
 */
public final class WebServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WebServer.class);
    private static final String THREAD_NAME = "nvr-web";
    private static final int MAX_FAILING_USERS = 1024;
    private static final long BIND_TIMEOUT_SECONDS = 10;
    private static final long SHUTDOWN_TIMEOUT_SECONDS = 3;

    /**
     * Tuning.
     *
     * @param limits          what clients may cost (shared in meaning with the metrics endpoint); its
     *                        failure allowance and window apply per address and per user name
     * @param idleTimeout     a connection with no traffic for this long is closed
     * @param sessionIdle     a session unused this long ends
     * @param sessionAbsolute a session ends this long after its login, however busy
     * @param maxSessions     sessions kept at once (the oldest go first)
     * @param apiThreads      threads answering index queries
     * @param clock           sessions and throttles
     * @param zone            the times of the JSON (the CLI uses the machine's zone too)
     */
    public record Options(MetricsServer.Limits limits, Duration idleTimeout, Duration sessionIdle,
                          Duration sessionAbsolute, int maxSessions, int apiThreads, Clock clock, ZoneId zone) {
        /**
         * Connections: a 16-tile live wall is 16 WebSockets from one browser, besides its page's requests.
         * Requests are small (a login form, a JSON command); uploads are not a thing here.
         */
        public static final Options DEFAULT = new Options(MetricsServer.Limits.DEFAULT.with(HttpLimits.WEB),
                HttpLimits.WEB.idleTimeout(), Duration.ofMinutes(30), Duration.ofHours(12), 256, 2, Clock.systemUTC(),
                ZoneId.systemDefault());

        public Options {
            Objects.requireNonNull(limits, "limits");
            Objects.requireNonNull(idleTimeout, "idleTimeout");
            Objects.requireNonNull(clock, "clock");
            Objects.requireNonNull(zone, "zone");
        }

        public Options withClock(Clock c) {
            return new Options(limits, idleTimeout, sessionIdle, sessionAbsolute, maxSessions, apiThreads, c, zone);
        }

        public Options withLimits(MetricsServer.Limits l) {
            return new Options(l, idleTimeout, sessionIdle, sessionAbsolute, maxSessions, apiThreads, clock, zone);
        }

        /** These options with what the operator may set ({@code web.limits}). */
        public Options with(HttpLimits configured) {
            return new Options(limits.with(configured), configured.idleTimeout(), sessionIdle, sessionAbsolute,
                    maxSessions, apiThreads, clock, zone);
        }

        public Options withSessions(Duration idle, Duration absolute) {
            return new Options(limits, idleTimeout, idle, absolute, maxSessions, apiThreads, clock, zone);
        }
    }

    private final EventLoopGroup group;
    private final Channel serverChannel;
    /** Open browser connections, closed with the server (the event loop's shutdown leaves them open). */
    private final ChannelGroup connections;
    private final CredentialCheck credentials;
    private final ThreadPoolExecutor apiExecutor;
    private final FootageRoutes footage;
    private final InetSocketAddress address;
    private final boolean tls;
    private final AtomicBoolean closed = new AtomicBoolean();

    private WebServer(EventLoopGroup group, Channel serverChannel, ChannelGroup connections,
                      CredentialCheck credentials, ThreadPoolExecutor apiExecutor, FootageRoutes footage,
                      boolean tls) {
        this.footage = footage;
        this.group = group;
        this.serverChannel = serverChannel;
        this.connections = connections;
        this.credentials = credentials;
        this.apiExecutor = apiExecutor;
        this.tls = tls;
        this.address = (InetSocketAddress) serverChannel.localAddress();
    }

    /**
     * Binds {@code config.web().listen} (port 0 picks one, see {@link #port()}) and starts serving.
     *
     * @param audit the recorder's index writer, through which logins are audited and holds placed
     * @throws BindException naming the address when it cannot be bound
     * @throws IOException   when the TLS certificate or key cannot be used
     */
    public static WebServer start(NvrConfig config, IndexWriter audit, Options options) throws IOException {
        return start(config, audit, options, LiveFeeds.none());
    }

    /**
     * As above, with the recorder's live views for {@code /live/{camera}} ({@link LiveFeeds#none()}: every
     * camera is 404 there).
     */
    public static WebServer start(NvrConfig config, IndexWriter audit, Options options, LiveFeeds live)
            throws IOException {
        WebConfig web = config.web().orElseThrow(() -> new IllegalArgumentException("no web: configuration"));
        Objects.requireNonNull(audit, "audit");
        SslContext ssl = web.tls().isPresent() ? sslContext(web.tls().get()) : null;
        InetSocketAddress bindTo = new InetSocketAddress(web.host(), web.port());
        if (bindTo.isUnresolved()) {
            throw ServerLoop.bindFailure(web.listen() + " (web.listen)", "cannot resolve " + web.host(), null);
        }
        MetricsServer.Limits limits = options.limits();
        WebUsers users = new WebUsers(web);
        CredentialCheck credentials = new CredentialCheck(users::accepts, limits, options.clock(), "web");
        ThreadPoolExecutor apiExecutor = new ThreadPoolExecutor(options.apiThreads(), options.apiThreads(), 0,
                TimeUnit.SECONDS, new ArrayBlockingQueue<>(16), new DefaultThreadFactory("nvr-web-api", true),
                new ThreadPoolExecutor.AbortPolicy());
        FootageRoutes footage = new FootageRoutes(config, audit, options.clock(), options.zone(),
                live.registry().orElse(null));
        WebHandler handler = new WebHandler(new WebHandler.Parts(web, ssl != null,
                new Sessions(options.sessionIdle(), options.sessionAbsolute(), options.clock(), options.maxSessions()),
                users, credentials,
                new FailureThrottle<>(limits.failuresAllowed(), limits.failureWindow(), options.clock(), MAX_FAILING_USERS),
                new Pages(), new WebApi(config, audit, options.clock(), options.zone()), apiExecutor,
                new AuditTrail(audit, options.clock()), limits.refusalDelay(), live, footage));
        ConnectionLimit connectionLimit = new ConnectionLimit("web", limits.maxConnections(), limits.maxPerAddress());
        live.registry().ifPresent(connectionLimit::register);
        EventLoopGroup group = ServerLoop.open(THREAD_NAME);
        ChannelGroup connections = new DefaultChannelGroup("nvr-web-connections", group.next());
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        connections.add(ch);
                        ch.pipeline().addLast(connectionLimit);
                        if (ssl != null) {
                            ch.pipeline().addLast(ssl.newHandler(ch.alloc()));
                        }
                        HttpGuards.add(ch.pipeline(), limits, options.idleTimeout());
                        ch.pipeline().addLast(handler);
                    }
                });
        Channel channel;
        try {
            channel = ServerLoop.bind(bootstrap, bindTo, group, THREAD_NAME, web.listen() + " (web.listen)",
                    BIND_TIMEOUT_SECONDS);
        } catch (BindException e) {
            credentials.close();
            apiExecutor.shutdownNow();
            footage.close();
            throw e;
        }
        WebServer server = new WebServer(group, channel, connections, credentials, apiExecutor, footage,
                ssl != null);
        log.info("Serving the web pages on {}", server.url());
        if (ssl == null && !server.address.getAddress().isLoopbackAddress()) {
            log.warn("The web pages on {} are plain HTTP (web.insecure_http: true): passwords and session cookies "
                    + "cross the network readable; configure web.tls", server.url());
        }
        return server;
    }

    private static SslContext sslContext(WebConfig.Tls tls) throws IOException {
        try {
            return SslContextBuilder.forServer(tls.cert().toFile(), tls.key().toFile()).build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new IOException("cannot use web.tls (cert " + tls.cert() + ", key " + tls.key() + "): "
                    + e.getMessage(), e);
        }
    }

    /** The page's address, e.g. {@code https://127.0.0.1:8443/}. */
    public String url() {
        String host = address.getAddress().getHostAddress();
        return (tls ? "https" : "http") + "://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port() + "/";
    }

    public int port() {
        return address.getPort();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        serverChannel.close().awaitUninterruptibly(SHUTDOWN_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        connections.close().awaitUninterruptibly(SHUTDOWN_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        ServerLoop.shutdown(group, THREAD_NAME, SHUTDOWN_TIMEOUT_SECONDS);
        credentials.close();
        apiExecutor.shutdownNow();
        footage.close();
    }

}
