package org.nvr.camera;

import io.netty.channel.EventLoop;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.resolver.ResolvedAddressTypes;
import io.netty.resolver.dns.DnsNameResolver;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.netty.resolver.dns.DnsServerAddressStreamProviders;
import io.netty.resolver.dns.NoopAuthoritativeDnsServerCache;
import io.netty.resolver.dns.NoopDnsCache;
import io.netty.resolver.dns.NoopDnsCnameCache;
import io.netty.resolver.dns.SequentialDnsServerAddressStreamProvider;
import io.netty.util.concurrent.Future;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * {@link HostResolver} with Netty's asynchronous DNS client on the recorder's event loop: no thread
 * blocks on a lookup, each query gives up after {@link #QUERY_TIMEOUT}, and nothing is cached, so a
 * moved dynamic-DNS name is followed at the next attempt (the JVM's own {@code InetAddress} lookups
 * block the caller and keep answers for 30 s). IP literals and names in {@code /etc/hosts} are answered
 * without a query; other names go to the name servers of {@code /etc/resolv.conf}, or to the given ones.
 *
 * <p>Thread-safe. Owns its UDP socket; {@link #close()} releases it and is safe twice. The event loop is
 * the caller's.
 */
public final class DnsHostResolver implements HostResolver, AutoCloseable {
    /** How long one query to one name server may go unanswered. */
    public static final Duration QUERY_TIMEOUT = Duration.ofSeconds(2);

    private final DnsNameResolver resolver;

    /**
     * @param loop        where queries are sent and answers handled
     * @param nameServers the name servers to ask; empty for the system's ({@code /etc/resolv.conf})
     */
    public DnsHostResolver(EventLoop loop, List<InetSocketAddress> nameServers) {
        DnsNameResolverBuilder builder = new DnsNameResolverBuilder(loop)
                .datagramChannelType(NioDatagramChannel.class)
                .resolveCache(NoopDnsCache.INSTANCE)
                .cnameCache(NoopDnsCnameCache.INSTANCE)
                .authoritativeDnsServerCache(NoopAuthoritativeDnsServerCache.INSTANCE)
                .queryTimeoutMillis(QUERY_TIMEOUT.toMillis())
                .resolvedAddressTypes(ResolvedAddressTypes.IPV4_PREFERRED);
        builder.nameServerProvider(nameServers.isEmpty()
                ? DnsServerAddressStreamProviders.platformDefault()
                : new SequentialDnsServerAddressStreamProvider(nameServers));
        this.resolver = builder.build();
    }

    @Override
    public CompletableFuture<InetAddress> resolve(String host) {
        String name = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        CompletableFuture<InetAddress> result = new CompletableFuture<>();
        try {
            resolver.resolve(name).addListener((Future<InetAddress> done) -> {
                if (done.isSuccess()) {
                    result.complete(done.getNow());
                } else {
                    result.completeExceptionally(done.cause());
                }
            });
        } catch (RuntimeException e) {
            result.completeExceptionally(e); // e.g. the event loop is shut down
        }
        return result;
    }

    @Override
    public void close() {
        resolver.close();
    }
}
