package io.styxy.bench.load;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * A small keep-alive HTTP/1.1 client on one TCP connection: raw bytes out, status and body back. Load generators
 * need thousands of requests per second from one thread without the JDK client's machinery; reliability checks
 * need to send bytes no well-behaved client would.
 */
public final class MiniHttp implements AutoCloseable {

    /** One answer; {@code status} is -1 when the server closed the connection without answering. */
    public record Response(int status, String body) {
    }

    private final String host;
    private final int port;
    private final String token;
    private Socket socket;
    private InputStream in;
    private OutputStream out;
    private int timeoutMs = 10_000;

    public MiniHttp(String host, int port, String token) {
        this.host = host;
        this.port = port;
        this.token = token;
    }

    public MiniHttp timeout(int ms) {
        this.timeoutMs = ms;
        return this;
    }

    private void connect() throws IOException {
        if (socket != null) {
            return;
        }
        socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.connect(new InetSocketAddress(host, port), timeoutMs);
        socket.setSoTimeout(timeoutMs);
        in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
        out = socket.getOutputStream();
    }

    /** A well-formed request with the token; {@code body} may be null. */
    public Response call(String method, String path, String body) throws IOException {
        StringBuilder sb = new StringBuilder(256);
        sb.append(method).append(' ').append(path).append(" HTTP/1.1\r\nHost: ").append(host).append(':')
                .append(port).append("\r\n");
        if (token != null) {
            sb.append("Authorization: Bearer ").append(token).append("\r\n");
        }
        byte[] bytes = body == null ? null : body.getBytes(StandardCharsets.UTF_8);
        if (bytes != null) {
            sb.append("Content-Type: application/json\r\nContent-Length: ").append(bytes.length).append("\r\n");
        }
        sb.append("\r\n");
        byte[] head = sb.toString().getBytes(StandardCharsets.ISO_8859_1);
        if (bytes == null) {
            return raw(head);
        }
        byte[] all = new byte[head.length + bytes.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(bytes, 0, all, head.length, bytes.length);
        return raw(all);
    }

    /** Sends exactly these bytes and reads one answer. On a closed or broken connection: status -1. */
    public Response raw(byte[] request) throws IOException {
        connect();
        try {
            out.write(request);
            out.flush();
            return read();
        } catch (EOFException | java.net.SocketException e) {
            close();
            return new Response(-1, "");
        }
    }

    private Response read() throws IOException {
        String statusLine = line();
        if (statusLine == null) {
            close();
            return new Response(-1, "");
        }
        String[] parts = statusLine.split(" ", 3);
        int status = Integer.parseInt(parts[1]);
        int length = -1;
        boolean chunked = false;
        boolean closeAfter = false;
        String h;
        while ((h = line()) != null && !h.isEmpty()) {
            int colon = h.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String name = h.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = h.substring(colon + 1).trim();
            switch (name) {
                case "content-length" -> length = Integer.parseInt(value);
                case "transfer-encoding" -> chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
                case "connection" -> closeAfter = value.equalsIgnoreCase("close");
                default -> {
                }
            }
        }
        String body;
        if (chunked) {
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            while (true) {
                String size = line();
                if (size == null) {
                    throw new EOFException();
                }
                int n = Integer.parseInt(size.split(";")[0].trim(), 16);
                if (n == 0) {
                    line();
                    break;
                }
                buf.write(in.readNBytes(n));
                line();
            }
            body = buf.toString(StandardCharsets.UTF_8);
        } else if (length >= 0) {
            body = new String(in.readNBytes(length), StandardCharsets.UTF_8);
        } else {
            body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            closeAfter = true;
        }
        if (closeAfter) {
            close();
        }
        return new Response(status, body);
    }

    private String line() throws IOException {
        StringBuilder sb = new StringBuilder(64);
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                int n = sb.length();
                return n > 0 && sb.charAt(n - 1) == '\r' ? sb.substring(0, n - 1) : sb.toString();
            }
            sb.append((char) c);
        }
        return sb.isEmpty() ? null : sb.toString();
    }

    @Override
    public void close() {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing
            }
            socket = null;
        }
    }
}
