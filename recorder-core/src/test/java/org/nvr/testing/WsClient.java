package org.nvr.testing;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ProtocolException;
import java.net.Socket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A WebSocket client for the tests that reads the socket itself (RFC 6455, client side): the upgrade, then
 * every frame the server sends checked strictly (FIN set: the server never fragments; no RSV bits; a known
 * opcode; unmasked; minimal length encoding; control frames of at most 125 bytes) and every message kept,
 * in order: a {@code String} per text message, a {@code byte[]} per binary one. Pings are answered; the
 * server's close is answered and its code completes {@link #closed}. A frame that breaks the protocol, or
 * the connection ending without a close frame, completes {@link #closed} exceptionally and stops reading.
 *
 * <p>Why not {@code java.net.http.WebSocket}: the JDK's client (17.0.21, 25.0.3) sometimes loses bytes that
 * arrive in the same read as its upgrade response, past its first 16 KB buffer, and then reports a frame
 * it cannot parse or delivers a wrong message ({@code bench/JdkWebSocketRace.java} shows it against a
 * trivial server). A live socket sends its first pictures right behind the upgrade, so tests read with
 * this instead, and a framing fault here is the server's.
 *
 * <p>Threads: one reader thread per client; the other methods from any thread.
 */
public final class WsClient implements AutoCloseable {
    /** The server answered the upgrade with another status. */
    public static final class Refused extends IOException {
        public final int status;

        Refused(int status, String line) {
            super("upgrade refused: " + line);
            this.status = status;
        }
    }

    /** How a client reads: {@code start} before its first frame, {@code each} before every frame. */
    public record Pace(Duration start, Duration each) {
        public static final Pace EAGER = new Pace(Duration.ZERO, Duration.ZERO);
    }

    public final List<Object> messages = new CopyOnWriteArrayList<>();
    /** The server's close code; exceptionally on a protocol fault or a connection ended without a close. */
    public final CompletableFuture<Integer> closed = new CompletableFuture<>();
    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private volatile boolean closeSent;

    private WsClient(Socket socket, DataInputStream in, OutputStream out) {
        this.socket = socket;
        this.in = in;
        this.out = out;
    }

    /** Opens {@code path} of the server at {@code url} (http://host:port/...), with a session cookie (may be null). */
    public static WsClient open(String url, String path, String cookie) throws IOException {
        Map<String, String> headers = new LinkedHashMap<>();
        if (cookie != null) {
            headers.put("Cookie", cookie);
        }
        return open(url, path, headers, 0, Pace.EAGER);
    }

    /**
     * Opens {@code path} of the server at {@code url} with extra request {@code headers}; {@code receiveBuffer}
     * (bytes, 0: the system's) sets the socket's receive window; the reader keeps {@code pace}.
     */
    public static WsClient open(String url, String path, Map<String, String> headers, int receiveBuffer, Pace pace)
            throws IOException {
        URI base = URI.create(url);
        Socket s = new Socket();
        try {
            if (receiveBuffer > 0) {
                s.setReceiveBufferSize(receiveBuffer); // before connecting: the window the server sees
            }
            s.connect(new InetSocketAddress(base.getHost(), base.getPort()), 10_000);
            s.setSoTimeout(60_000);
            OutputStream out = s.getOutputStream();
            byte[] nonce = new byte[16];
            ThreadLocalRandom.current().nextBytes(nonce);
            StringBuilder request = new StringBuilder("GET " + path + " HTTP/1.1\r\nHost: " + base.getAuthority()
                    + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: "
                    + Base64.getEncoder().encodeToString(nonce) + "\r\nSec-WebSocket-Version: 13\r\n");
            headers.forEach((k, v) -> request.append(k).append(": ").append(v).append("\r\n"));
            out.write(request.append("\r\n").toString().getBytes(StandardCharsets.UTF_8));
            out.flush();
            DataInputStream in = new DataInputStream(new BufferedInputStream(s.getInputStream(), 65536));
            StringBuilder head = new StringBuilder();
            while (head.length() < 4 || !head.substring(head.length() - 4).equals("\r\n\r\n")) {
                head.append((char) in.readUnsignedByte());
            }
            String status = head.substring(0, head.indexOf("\r\n"));
            if (!status.startsWith("HTTP/1.1 101")) {
                throw new Refused(Integer.parseInt(status.split(" ")[1]), status);
            }
            WsClient c = new WsClient(s, in, out);
            Thread reader = new Thread(() -> c.read(pace), "ws-client-" + path);
            reader.setDaemon(true);
            reader.start();
            return c;
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /** Binary messages received so far. */
    public long binaryCount() {
        return messages.stream().filter(m -> m instanceof byte[]).count();
    }

    /** Sends a close frame with {@code code}; {@link #closed} completes with the server's answer. */
    public void close(int code) throws IOException {
        closeSent = true;
        send(0x8, new byte[] {(byte) (code >> 8), (byte) code});
    }

    /** Drops the connection (a tab closed). */
    public void abort() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closed
        }
    }

    @Override
    public void close() {
        abort();
    }

    private void read(Pace pace) {
        try {
            sleep(pace.start());
            while (true) {
                sleep(pace.each());
                int b0 = in.readUnsignedByte();
                int b1 = in.readUnsignedByte();
                int opcode = b0 & 0x0f;
                String fault = (b0 & 0x80) == 0 ? "a fragmented message"
                        : (b0 & 0x70) != 0 ? "RSV bits set"
                        : !List.of(0x1, 0x2, 0x8, 0x9, 0xa).contains(opcode) ? "opcode " + opcode
                        : (b1 & 0x80) != 0 ? "a masked frame" : null;
                long length = b1 & 0x7f;
                if (fault == null && length == 126) {
                    length = in.readUnsignedShort();
                    fault = length < 126 ? "a 16-bit length of " + length : null;
                } else if (fault == null && length == 127) {
                    length = in.readLong();
                    fault = length < 65536 || length > 64 << 20 ? "a 64-bit length of " + length : null;
                }
                if (fault == null && opcode >= 0x8 && length > 125) {
                    fault = "a control frame of " + length + " bytes";
                }
                if (fault != null) {
                    throw new ProtocolException(String.format("%s (header %02x %02x) after %d messages", fault, b0, b1,
                            messages.size()));
                }
                byte[] payload = new byte[(int) length];
                in.readFully(payload);
                switch (opcode) {
                    case 0x1 -> messages.add(new String(payload, StandardCharsets.UTF_8));
                    case 0x2 -> messages.add(payload);
                    case 0x9 -> send(0xa, payload);
                    case 0x8 -> {
                        int code = payload.length >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : 1005;
                        if (!closeSent) {
                            closeSent = true;
                            send(0x8, payload.length >= 2 ? new byte[] {payload[0], payload[1]} : new byte[0]);
                        }
                        closed.complete(code);
                        return;
                    }
                    default -> {
                        // a pong
                    }
                }
            }
        } catch (EOFException e) {
            closed.completeExceptionally(new EOFException("the connection ended without a close frame after "
                    + messages.size() + " messages"));
        } catch (IOException | InterruptedException e) {
            closed.completeExceptionally(e);
        } finally {
            abort();
        }
    }

    private static void sleep(Duration d) throws InterruptedException {
        if (!d.isZero()) {
            Thread.sleep(d.toMillis());
        }
    }

    /** One masked frame (a client masks everything it sends). */
    private synchronized void send(int opcode, byte[] payload) throws IOException {
        byte[] mask = new byte[4];
        ThreadLocalRandom.current().nextBytes(mask);
        ByteBuffer f = ByteBuffer.allocate(6 + payload.length);
        f.put((byte) (0x80 | opcode)).put((byte) (0x80 | payload.length)).put(mask);
        for (int i = 0; i < payload.length; i++) {
            f.put((byte) (payload[i] ^ mask[i % 4]));
        }
        out.write(f.array());
        out.flush();
    }
}
