package org.nvr.camera;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.resolver.NoopAddressResolverGroup;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * {@link PortProbe} with a Netty TCP connect on the recorder's event loop: no thread per probe, a
 * bounded connect timeout, no name lookup (the address comes looked up), and the connection closed as
 * soon as it is made (the camera sees a connect and an immediate close, nothing else).
 *
 * <p>Thread-safe; owns nothing (the event loop group is the recorder's).
 */
public final class TcpPortProbe implements PortProbe {
    /** Probe channels read nothing; one shared, stateless handler serves them all. */
    @ChannelHandler.Sharable
    private static final class Nothing extends ChannelInboundHandlerAdapter {
    }

    private static final ChannelHandler NOTHING = new Nothing();

    private final Bootstrap bootstrap;

    public TcpPortProbe(EventLoopGroup group, Duration connectTimeout) {
        this.bootstrap = new Bootstrap()
                .group(group)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) connectTimeout.toMillis())
                // never a lookup here: Netty's default resolver would block the event loop in InetAddress
                .resolver(NoopAddressResolverGroup.INSTANCE)
                .handler(NOTHING);
    }

    @Override
    public CompletableFuture<Boolean> probe(InetAddress address, int port) {
        CompletableFuture<Boolean> result = new CompletableFuture<>();
        try {
            ChannelFuture f = bootstrap.connect(new InetSocketAddress(address, port));
            f.addListener((ChannelFuture done) -> {
                if (done.isSuccess()) {
                    done.channel().close();
                    result.complete(true);
                } else {
                    result.complete(false);
                }
            });
        } catch (RuntimeException e) {
            result.complete(false); // e.g. the event loop is shut down
        }
        return result;
    }
}
