import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * The reference cost of sending bytes, for bench/web-load.sh: a minimal sender pushes BYTES over
 * loopback TCP in messages of MESSAGE bytes (a 2-byte-header WebSocket-like frame each: the header and
 * the payload, as gathering writes from an already-built direct buffer, so no per-message copy or
 * framing work beyond the kernel's) to CONNECTIONS receivers that read and discard. Prints the sender
 * thread's CPU time (user + system: the kernel's TCP send path included) per GB sent:
 * "SENDCOST seconds_per_gb bytes seconds". The receivers' CPU is not counted: they stand for the
 * browsers. This is the floor any server pays to hand the same bytes to the same number of sockets.
 * Usage: SendCost BYTES MESSAGE CONNECTIONS
 */
public class SendCost {
    public static void main(String[] args) throws Exception {
        long total = Long.parseLong(args[0]);
        int message = Integer.parseInt(args[1]);
        int connections = Integer.parseInt(args[2]);
        ServerSocketChannel server = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
        SocketChannel[] out = new SocketChannel[connections];
        Thread[] readers = new Thread[connections];
        for (int i = 0; i < connections; i++) {
            out[i] = SocketChannel.open(server.getLocalAddress());
            SocketChannel in = server.accept();
            readers[i] = new Thread(() -> {
                ByteBuffer sink = ByteBuffer.allocateDirect(256 * 1024);
                try (in) {
                    while (in.read(sink) >= 0) {
                        sink.clear();
                    }
                } catch (java.io.IOException e) {
                    // the sender closed
                }
            });
            readers[i].setDaemon(true);
            readers[i].start();
        }
        ByteBuffer payload = ByteBuffer.allocateDirect(message);
        ByteBuffer header = ByteBuffer.allocateDirect(10);
        header.put((byte) 0x82).put((byte) 127).putLong(message).flip();
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long cpu0 = threads.getCurrentThreadCpuTime();
        long sent = 0;
        int next = 0;
        while (sent < total) {
            ByteBuffer[] frame = {header.duplicate(), payload.duplicate()};
            SocketChannel ch = out[next];
            next = (next + 1) % connections;
            while (frame[1].hasRemaining()) {
                ch.write(frame);
            }
            sent += message + 10;
        }
        long cpu = threads.getCurrentThreadCpuTime() - cpu0;
        for (SocketChannel ch : out) {
            ch.close();
        }
        System.out.printf("SENDCOST %.3f %d %.3f%n", cpu / 1e9 / (sent / 1e9), sent, cpu / 1e9);
    }
}
