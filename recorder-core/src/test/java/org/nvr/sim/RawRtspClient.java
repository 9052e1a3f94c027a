package org.nvr.sim;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A deliberately small RTSP client over a plain socket, for tests that need to see every byte the
 * simulator sends: responses, interleaved RTP and RTCP. Blocking reads, each bounded by the socket
 * timeout. Not thread-safe; one test thread.
 */
final class RawRtspClient implements AutoCloseable {

    /** An RTSP response; header names lower-cased. */
    record Response(int status, Map<String, String> headers, String body) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    /** One interleaved frame: {@code '$'}, channel, length, data. */
    record Interleaved(int channel, byte[] data) {
        int rtpSequence() {
            return ((data[2] & 0xFF) << 8) | (data[3] & 0xFF);
        }

        int rtpTimestamp() {
            return readInt(data, 4);
        }

        int ssrc() {
            return readInt(data, 8);
        }

        boolean marker() {
            return (data[1] & 0x80) != 0;
        }

        int payloadType() {
            return data[1] & 0x7F;
        }

        /** NAL unit type, or 28 for FU-A, of an H.264 RTP packet's payload. */
        int nalType() {
            return data[12] & 0x1F;
        }
    }

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private int cseq;
    /** Interleaved frames read while waiting for a response, oldest first. */
    final List<Interleaved> frames = new ArrayList<>();

    RawRtspClient(int port, int timeoutMillis) throws IOException {
        socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), timeoutMillis);
        socket.setSoTimeout(timeoutMillis);
        in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
        out = socket.getOutputStream();
    }

    void setTimeout(int millis) throws IOException {
        socket.setSoTimeout(millis);
    }

    /** Sends a request with the next CSeq and returns the response, keeping frames read meanwhile. */
    Response request(String method, String url, String... headerLines) throws IOException {
        send(method, url, headerLines);
        return readResponse();
    }

    void send(String method, String url, String... headerLines) throws IOException {
        StringBuilder request = new StringBuilder()
                .append(method).append(' ').append(url).append(" RTSP/1.0\r\n")
                .append("CSeq: ").append(++cseq).append("\r\n");
        for (String line : headerLines) {
            request.append(line).append("\r\n");
        }
        request.append("\r\n");
        out.write(request.toString().getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    void sendInterleaved(int channel, byte[] data) throws IOException {
        out.write('$');
        out.write(channel);
        out.write(data.length >> 8);
        out.write(data.length & 0xFF);
        out.write(data);
        out.flush();
    }

    Response readResponse() throws IOException {
        while (true) {
            Object next = readNext();
            if (next instanceof Response response) {
                return response;
            }
            frames.add((Interleaved) next);
        }
    }

    /** The next interleaved frame; a response arriving first is an error. */
    Interleaved readFrame() throws IOException {
        Object next = readNext();
        if (next instanceof Interleaved frame) {
            return frame;
        }
        throw new IOException("expected an interleaved frame, got " + next);
    }

    /** The next RTP packet on channel 0, skipping RTCP. */
    Interleaved readRtp() throws IOException {
        while (true) {
            Interleaved frame = readFrame();
            if (frame.channel() == 0) {
                return frame;
            }
            frames.add(frame);
        }
    }

    /** The next byte, without consuming it. */
    int peek() throws IOException {
        in.mark(1);
        int next = in.read();
        in.reset();
        if (next < 0) {
            throw new EOFException("connection closed by the server");
        }
        return next;
    }

    /** Exactly {@code count} raw bytes, whatever they are. */
    byte[] readBytes(int count) throws IOException {
        byte[] bytes = new byte[count];
        in.readFully(bytes);
        return bytes;
    }

    private Object readNext() throws IOException {
        int first = in.read();
        if (first < 0) {
            throw new EOFException("connection closed by the server");
        }
        if (first == '$') {
            int channel = in.readUnsignedByte();
            int length = in.readUnsignedShort();
            byte[] data = new byte[length];
            in.readFully(data);
            return new Interleaved(channel, data);
        }
        String statusLine = (char) first + readLine();
        String[] parts = statusLine.split(" ", 3);
        Map<String, String> headers = new LinkedHashMap<>();
        String line;
        while (!(line = readLine()).isEmpty()) {
            int colon = line.indexOf(':');
            headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
        }
        int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
        byte[] body = new byte[length];
        in.readFully(body);
        return new Response(Integer.parseInt(parts[1]), headers, new String(body, StandardCharsets.US_ASCII));
    }

    private String readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != '\n') {
            if (b < 0) {
                throw new EOFException("connection closed mid-line");
            }
            if (b != '\r') {
                line.write(b);
            }
        }
        return line.toString(StandardCharsets.US_ASCII);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    static int readInt(byte[] data, int offset) {
        return ((data[offset] & 0xFF) << 24) | ((data[offset + 1] & 0xFF) << 16)
                | ((data[offset + 2] & 0xFF) << 8) | (data[offset + 3] & 0xFF);
    }
}
