import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Why the tests and the load bench read live sockets with their own client: the JDK's
 * {@code java.net.http.WebSocket} sometimes loses bytes that arrive in the same read as its upgrade response.
 *
 * <p>A WebSocket server as plain as can be (blocking sockets, a thread per connection, each frame written
 * whole, nothing shared) answers every upgrade and, in the same write, sends a burst of 1 to 40 binary
 * messages, then one every 40 ms for 2 s, then a close. Message i is 1-60 KB: its number i (4 bytes), then
 * bytes all equal to (byte) i, so that any byte out of place shows. CLIENTS JDK clients (one HttpClient, as
 * an application has) and CLIENTS clients that read the socket themselves connect to it again and again for
 * SECONDS each; every message is checked. Printed: per kind, connections, messages, faults, and each fault
 * (where in which message the bytes went wrong, and what came instead). With the JDK (17.0.21, 25.0.3 on a
 * 2-core machine) a few % of the JDK's connections get a wrong message, always starting about 16 KB into the
 * stream (the end of its first read buffer), or a frame it cannot parse; the socket readers get none. That is
 * the live view's "Unexpected opcode" the load bench saw once in a while before its viewers read the socket
 * themselves: a live socket sends its first pictures right behind the upgrade, as this server does.
 *
 *   java bench/JdkWebSocketRace.java [CLIENTS=16] [SECONDS=30]
 */
public class JdkWebSocketRace {
    public static void main(String[] args) throws Exception {
        int clients = args.length > 0 ? Integer.parseInt(args[0]) : 16;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 30;
        ServerSocket server = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(() -> {
            while (true) {
                try {
                    Socket s = server.accept();
                    Thread t = new Thread(() -> serve(s));
                    t.setDaemon(true);
                    t.start();
                } catch (IOException e) {
                    return;
                }
            }
        });
        acceptor.setDaemon(true);
        acceptor.start();
        int port = server.getLocalPort();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        long[][] counts = new long[2][3]; // [jdk, socket][connections, messages, faults]
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 2 * clients; i++) {
            boolean jdk = i % 2 == 0;
            Thread t = new Thread(() -> {
                while (System.nanoTime() < end) {
                    Counted c = new Counted();
                    String fault;
                    try {
                        fault = jdk ? jdkClient(http, port, c) : socketClient(port, c);
                    } catch (Exception e) {
                        fault = "client: " + e;
                    }
                    synchronized (counts) {
                        long[] k = counts[jdk ? 0 : 1];
                        k[0]++;
                        k[1] += c.messages;
                        if (fault != null) {
                            k[2]++;
                            System.out.println((jdk ? "java.net.http: " : "socket reader: ") + fault);
                        }
                    }
                }
            });
            t.start();
            threads.add(t);
        }
        for (Thread t : threads) {
            t.join();
        }
        System.out.printf("java %s, %d + %d clients, %d s%n", System.getProperty("java.version"), clients, clients,
                seconds);
        System.out.printf("java.net.http.WebSocket: %d connections, %d messages, %d faults%n", counts[0][0],
                counts[0][1], counts[0][2]);
        System.out.printf("socket reader:           %d connections, %d messages, %d faults%n", counts[1][0],
                counts[1][1], counts[1][2]);
        System.exit(0);
    }

    static final class Counted {
        long messages;
    }

    /** The server's side of one connection. */
    static void serve(Socket s) {
        try (s) {
            s.setTcpNoDelay(true);
            InputStream in = new BufferedInputStream(s.getInputStream());
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                int c = in.read();
                if (c < 0) {
                    return;
                }
                head.append((char) c);
            }
            String key = head.toString().lines().filter(l -> l.toLowerCase().startsWith("sec-websocket-key:"))
                    .findFirst().orElseThrow().split(":", 2)[1].trim();
            String accept = Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-1")
                    .digest((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").getBytes(StandardCharsets.US_ASCII)));
            Thread drain = new Thread(() -> {
                try {
                    in.transferTo(OutputStream.nullOutputStream()); // the client's close
                } catch (IOException ignored) {
                    // gone
                }
            });
            drain.setDaemon(true);
            drain.start();
            OutputStream out = s.getOutputStream();
            ByteArrayOutputStream first = new ByteArrayOutputStream();
            first.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Accept: " + accept + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            Random random = new Random();
            int i = 0;
            for (int burst = 1 + random.nextInt(40); i < burst; i++) {
                first.write(frame(i, 1024 + random.nextInt(60 * 1024)));
            }
            out.write(first.toByteArray()); // the 101 and the burst in one write
            out.flush();
            long stop = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            while (System.nanoTime() < stop) {
                out.write(frame(i++, 1024 + random.nextInt(30 * 1024)));
                out.flush();
                Thread.sleep(40);
            }
            out.write(new byte[] {(byte) 0x88, 2, 0x03, (byte) 0xe8});
            out.flush();
            drain.join(2000);
        } catch (Exception e) {
            // the client went
        }
    }

    /** Message {@code i} as an unmasked binary frame of {@code length} payload bytes. */
    static byte[] frame(int i, int length) {
        ByteBuffer b = ByteBuffer.allocate(10 + length);
        b.put((byte) 0x82);
        if (length < 65536) {
            b.put((byte) 126).putShort((short) length);
        } else {
            b.put((byte) 127).putLong(length);
        }
        b.putInt(i);
        for (int k = 4; k < length; k++) {
            b.put((byte) i);
        }
        return Arrays.copyOf(b.array(), b.position());
    }

    /** What is wrong with message {@code expected} received as {@code m}; null when right. */
    static String check(int expected, byte[] m) {
        int number = ByteBuffer.wrap(m).getInt();
        int at = number == expected ? 4 : 0;
        while (at < m.length && m[at] == (byte) expected) {
            at++;
        }
        if (at == m.length) {
            return null;
        }
        int wrong = 0;
        while (at + wrong < m.length && m[at + wrong] != (byte) expected) {
            wrong++;
        }
        StringBuilder hex = new StringBuilder();
        for (int q = at; q < Math.min(m.length, at + 12); q++) {
            hex.append(String.format(" %02x", m[q]));
        }
        return "message " + expected + " (" + m.length + " bytes) wrong from byte " + at + " for " + wrong
                + " bytes:" + hex;
    }

    static String jdkClient(HttpClient http, int port, Counted c) throws Exception {
        CompletableFuture<String> done = new CompletableFuture<>();
        WebSocket.Listener listener = new WebSocket.Listener() {
            final ByteArrayOutputStream message = new ByteArrayOutputStream();

            @Override
            public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
                byte[] b = new byte[data.remaining()];
                data.get(b);
                message.writeBytes(b);
                if (last) {
                    String wrong = check((int) c.messages, message.toByteArray());
                    message.reset();
                    c.messages++;
                    if (wrong != null) {
                        done.complete(wrong);
                    }
                }
                ws.request(1);
                return null;
            }

            @Override
            public CompletionStage<?> onClose(WebSocket ws, int code, String reason) {
                done.complete(null);
                return null;
            }

            @Override
            public void onError(WebSocket ws, Throwable e) {
                done.complete(e + (e.getCause() != null ? " (" + e.getCause() + ")" : "") + " after " + c.messages
                        + " messages");
            }
        };
        WebSocket ws = http.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + port + "/"), listener)
                .get(30, TimeUnit.SECONDS);
        try {
            return done.get(30, TimeUnit.SECONDS);
        } finally {
            ws.abort();
        }
    }

    static String socketClient(int port, Counted c) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(30_000);
            OutputStream out = s.getOutputStream();
            out.write(("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            DataInputStream in = new DataInputStream(new BufferedInputStream(s.getInputStream(), 65536));
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                head.append((char) in.readUnsignedByte());
            }
            while (true) {
                int b0 = in.readUnsignedByte();
                int b1 = in.readUnsignedByte();
                long length = b1 & 0x7f;
                if (length == 126) {
                    length = in.readUnsignedShort();
                } else if (length == 127) {
                    length = in.readLong();
                }
                if ((b0 != 0x82 && b0 != 0x88) || length > 1 << 20) {
                    return String.format("frame header %02x %02x after %d messages", b0, b1, c.messages);
                }
                byte[] payload = new byte[(int) length];
                in.readFully(payload);
                if (b0 == 0x88) {
                    return null;
                }
                String wrong = check((int) c.messages, payload);
                c.messages++;
                if (wrong != null) {
                    return wrong;
                }
            }
        }
    }
}
