package io.styxy.cli;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * HTTP/1.1 to the daemon over a plain socket: one request per connection ({@code Connection: close}), bodies with
 * {@code Content-Length}, JSON in and out. Cheap to start, which is what a one-shot command needs.
 */
final class DaemonClient {
    static final int DEFAULT_PORT = 9876;

    /** One HTTP answer. Header names are lower case. */
    record Response(int status, Map<String, String> headers, String body) {
    }

    private final Ctx ctx;
    private final int port;
    private final int connectTimeoutMillis;
    private final int readTimeoutMillis;
    private String token;
    private boolean tokenRead;

    DaemonClient(Ctx ctx, int port) {
        this(ctx, port, 2000, 30_000);
    }

    DaemonClient(Ctx ctx, int port, int connectTimeoutMillis, int readTimeoutMillis) {
        if (port < 1 || port > 65535) {
            throw CliException.failed("No usable daemon port (" + port + ").",
                    "Set STYXY_DAEMON_PORT, or check " + DaemonFiles.daemonJson(ctx) + ".");
        }
        this.ctx = ctx;
        this.port = port;
        this.connectTimeoutMillis = connectTimeoutMillis;
        this.readTimeoutMillis = readTimeoutMillis;
    }

    /** The daemon's port: the override, else $STYXY_DAEMON_PORT, else daemon.json's http_port, else 9876. */
    static int resolvePort(Ctx ctx, Integer override) {
        if (override != null) {
            return override;
        }
        String env = ctx.env("STYXY_DAEMON_PORT");
        if (env != null) {
            return parsePortEnv(env);
        }
        DaemonFiles.Info info = DaemonFiles.read(ctx);
        if (info != null && info.httpPort() > 0 && info.httpPort() < 65536) {
            return info.httpPort();
        }
        return DEFAULT_PORT;
    }

    static int parsePortEnv(String env) {
        try {
            int p = Integer.parseInt(env.trim());
            if (p > 0 && p < 65536) {
                return p;
            }
        } catch (NumberFormatException ignored) {
            // fall through
        }
        throw CliException.usage("STYXY_DAEMON_PORT=" + env + " is not a port number (1-65535).",
                "Fix or unset STYXY_DAEMON_PORT.");
    }

    static DaemonClient forCtx(Ctx ctx) {
        return new DaemonClient(ctx, resolvePort(ctx, null));
    }

    int port() {
        return port;
    }

    // ------------------------------------------------------------------------------------------- JSON calls

    Map<String, Object> get(String path) {
        return json(send("GET", path, null));
    }

    Map<String, Object> post(String path, Object body) {
        return json(send("POST", path, body == null ? Map.of() : body));
    }

    Map<String, Object> put(String path, Object body) {
        return json(send("PUT", path, body == null ? Map.of() : body));
    }

    Map<String, Object> delete(String path) {
        return json(send("DELETE", path, null));
    }

    /** The JSON object of a 2xx answer; anything else becomes a {@link CliException} with the daemon's words. */
    Map<String, Object> json(Response r) {
        if (r.status >= 200 && r.status < 300) {
            if (r.body.isBlank()) {
                return new HashMap<>();
            }
            try {
                return Json.parseObject(r.body);
            } catch (Json.JsonException e) {
                throw notStyxy("answered with something that is not JSON (" + e.getMessage() + ")");
            }
        }
        throw httpError(r);
    }

    CliException httpError(Response r) {
        String message = null;
        String code = null;
        try {
            Map<String, Object> doc = Json.parseObject(r.body);
            Object err = doc.get("error");
            if (err instanceof Map<?, ?> m) {
                message = Json.str(Json.obj(m).get("message"));
                code = Json.str(Json.obj(m).get("code"));
            } else if (err != null) { // the original's shape: {"success": false, "error": "…", "code": "…"}
                message = Json.str(err);
                code = Json.str(doc.get("code"));
            }
            if (message == null) {
                message = Json.str(doc.get("message"));
            }
        } catch (Json.JsonException e) {
            // not a JSON error document
        }
        if (message == null) {
            message = "HTTP " + r.status + (r.body.isBlank() ? "" : ": " + firstLine(r.body));
        }
        if (r.status == 404 && (message.startsWith("no route") || code == null)) {
            return new CliException(ExitCodes.FAILED, "NO_ROUTE", "This daemon does not serve " + requestLine(r)
                    + " (" + message + "): it is older than this client.",
                    "Update and restart it: styxy daemon restart (bin/styxy rebuilds it when the sources changed).");
        }
        return switch (r.status) {
            case 401, 403 -> new CliException(ExitCodes.AUTH, code == null ? "UNAUTHORIZED" : code,
                    "The daemon refused the request: " + message, authHint());
            case 404 -> new CliException(ExitCodes.NOT_FOUND, code, message, null);
            case 409 -> new CliException(ExitCodes.NO_PORT, code == null ? "CONFLICT" : code, message,
                    "See who holds ports with: styxy list (or styxy scan).");
            default -> new CliException(ExitCodes.FAILED, code == null ? "HTTP_" + r.status : code, message,
                    "STATE_READ_ONLY".equals(code) ? "Until then the daemon serves reads only (styxy list, styxy"
                            + " check, styxy doctor)."
                            : r.status >= 500 ? "See the daemon's log in " + ctx.home().resolve("logs") : null);
        };
    }

    private static String requestLine(Response r) {
        String line = r.headers().get(":request");
        return line == null ? "this request" : line;
    }

    private String authHint() {
        if (!ctx.env.containsKey("STYXY_HOME") && DaemonFiles.token(ctx) == null) {
            return "No token in " + DaemonFiles.tokenFile(ctx) + ". Start the daemon with: styxy daemon start";
        }
        return DaemonFiles.token(ctx) == null
                ? "No token in " + DaemonFiles.tokenFile(ctx)
                        + ". Is STYXY_HOME the daemon's state directory? Start one with: styxy daemon start"
                : "The token in " + DaemonFiles.tokenFile(ctx) + " is not the one of the daemon on port " + port
                        + ". Make STYXY_HOME and STYXY_DAEMON_PORT point at the same daemon.";
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        String line = nl < 0 ? s : s.substring(0, nl);
        return line.length() > 200 ? line.substring(0, 200) + "…" : line.strip();
    }

    // ------------------------------------------------------------------------------------------- raw HTTP

    /** Sends one request; throws {@link CliException} (exit 3) when nothing answers. */
    Response send(String method, String path, Object jsonBody) {
        try (Socket socket = connect()) {
            writeRequest(socket.getOutputStream(), method, path, jsonBody, "application/json");
            Response r = readResponse(new BufferedInputStream(socket.getInputStream(), 8192));
            r.headers().put(":request", method + " " + (path.indexOf('?') < 0 ? path : path.substring(0,
                    path.indexOf('?'))));
            return r;
        } catch (SocketTimeoutException e) {
            throw new CliException(ExitCodes.UNREACHABLE, "DAEMON_TIMEOUT",
                    "The Styxy daemon on 127.0.0.1:" + port + " did not answer within "
                            + readTimeoutMillis / 1000 + " s.",
                    "Check it with: styxy daemon status (log: " + ctx.home().resolve("logs") + ")");
        } catch (IOException e) {
            throw unreachable(e);
        }
    }

    /**
     * Opens a streaming GET (Server-Sent Events): returns the body stream after a 200, chunked encoding decoded.
     * The caller closes it.
     */
    InputStream stream(String path) {
        Socket socket = null;
        try {
            socket = connect();
            socket.setSoTimeout(0);
            writeRequest(socket.getOutputStream(), "GET", path, null, "text/event-stream");
            BufferedInputStream in = new BufferedInputStream(socket.getInputStream(), 8192);
            Map<String, String> headers = new HashMap<>();
            int status = readHead(in, headers);
            if (status != 200) {
                Response r = new Response(status, headers, new String(readBody(in, headers),
                        StandardCharsets.UTF_8));
                socket.close();
                throw httpError(r);
            }
            InputStream body = "chunked".equalsIgnoreCase(headers.get("transfer-encoding"))
                    ? new ChunkedInputStream(in) : in;
            Socket s = socket;
            return new java.io.FilterInputStream(body) {
                @Override
                public void close() throws IOException {
                    s.close();
                }
            };
        } catch (IOException e) {
            if (socket != null) {
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
            throw unreachable(e);
        }
    }

    /** True when GET /status answers 200 (no token needed). */
    boolean ping() {
        try (Socket socket = connect()) {
            writeRequest(socket.getOutputStream(), "GET", "/status", null, "application/json");
            return readResponse(new BufferedInputStream(socket.getInputStream(), 8192)).status == 200;
        } catch (IOException | CliException e) {
            return false;
        }
    }

    private Socket connect() throws IOException {
        Socket socket = new Socket();
        try {
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), connectTimeoutMillis);
            socket.setSoTimeout(readTimeoutMillis);
            return socket;
        } catch (IOException e) {
            socket.close();
            throw e;
        }
    }

    private CliException unreachable(IOException e) {
        if (e instanceof ConnectException || e instanceof SocketTimeoutException) {
            DaemonFiles.Info info = DaemonFiles.read(ctx);
            String detail = info != null && !info.alive()
                    ? " (" + DaemonFiles.daemonJson(ctx) + " names pid " + info.pid() + ", which is gone: it crashed)"
                    : "";
            return new CliException(ExitCodes.UNREACHABLE, "DAEMON_UNREACHABLE",
                    "Styxy daemon is not running (nothing answers on 127.0.0.1:" + port + ")" + detail + ".",
                    "Start it with: styxy daemon start");
        }
        return new CliException(ExitCodes.UNREACHABLE, "DAEMON_UNREACHABLE",
                "Cannot talk to the Styxy daemon on 127.0.0.1:" + port + ": " + e.getMessage(),
                "Check it with: styxy daemon status");
    }

    private CliException notStyxy(String what) {
        return new CliException(ExitCodes.UNREACHABLE, "NOT_STYXY",
                "Something on 127.0.0.1:" + port + " " + what + "; it does not look like a Styxy daemon.",
                "Point STYXY_DAEMON_PORT at the daemon's port (styxy daemon status shows it).");
    }

    private void writeRequest(OutputStream os, String method, String path, Object jsonBody, String accept)
            throws IOException {
        byte[] body = jsonBody == null ? null : Json.write(jsonBody).getBytes(StandardCharsets.UTF_8);
        StringBuilder sb = new StringBuilder(256);
        sb.append(method).append(' ').append(path).append(" HTTP/1.1\r\n")
                .append("Host: 127.0.0.1:").append(port).append("\r\n")
                .append("User-Agent: styxy-cli/").append(Version.CLI).append("\r\n")
                .append("Accept: ").append(accept).append("\r\n")
                .append("Connection: close\r\n");
        if (!tokenRead) {
            token = DaemonFiles.token(ctx);
            tokenRead = true;
        }
        if (token != null) {
            sb.append("Authorization: Bearer ").append(token).append("\r\n");
        }
        if (body != null) {
            sb.append("Content-Type: application/json\r\nContent-Length: ").append(body.length).append("\r\n");
        } else if (!method.equals("GET")) {
            sb.append("Content-Length: 0\r\n");
        }
        sb.append("\r\n");
        byte[] head = sb.toString().getBytes(StandardCharsets.UTF_8);
        if (body == null) {
            os.write(head);
        } else {
            byte[] all = new byte[head.length + body.length];
            System.arraycopy(head, 0, all, 0, head.length);
            System.arraycopy(body, 0, all, head.length, body.length);
            os.write(all);
        }
        os.flush();
    }

    private Response readResponse(InputStream in) throws IOException {
        Map<String, String> headers = new HashMap<>();
        int status = readHead(in, headers);
        byte[] body = readBody(in, headers);
        return new Response(status, headers, new String(body, StandardCharsets.UTF_8));
    }

    private int readHead(InputStream in, Map<String, String> headers) throws IOException {
        int status;
        do { // skip 1xx interim answers
            headers.clear();
            String statusLine = readLine(in);
            if (statusLine == null) {
                throw notStyxy("closed the connection without an answer");
            }
            if (!statusLine.startsWith("HTTP/1.") || statusLine.length() < 12) {
                throw notStyxy("answered with something that is not HTTP");
            }
            try {
                status = Integer.parseInt(statusLine.substring(9, 12));
            } catch (NumberFormatException e) {
                throw notStyxy("answered with a malformed HTTP status line");
            }
            String line;
            while ((line = readLine(in)) != null && !line.isEmpty()) {
                int colon = line.indexOf(':');
                if (colon > 0) {
                    headers.put(line.substring(0, colon).trim().toLowerCase(java.util.Locale.ROOT),
                            line.substring(colon + 1).trim());
                }
            }
        } while (status >= 100 && status < 200);
        return status;
    }

    private static byte[] readBody(InputStream in, Map<String, String> headers) throws IOException {
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            return new ChunkedInputStream(in).readAllBytes();
        }
        String length = headers.get("content-length");
        if (length != null) {
            int n = Integer.parseInt(length.trim());
            return in.readNBytes(n);
        }
        return in.readAllBytes();
    }

    /** A CRLF (or LF) terminated ISO-8859-1 line without its terminator; null at end of stream. */
    static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream(64);
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                break;
            }
            buf.write(c);
            if (buf.size() > 65536) {
                throw new IOException("line too long");
            }
        }
        if (c == -1 && buf.size() == 0) {
            return null;
        }
        byte[] b = buf.toByteArray();
        int len = b.length > 0 && b[b.length - 1] == '\r' ? b.length - 1 : b.length;
        return new String(b, 0, len, StandardCharsets.UTF_8);
    }

    /** Decodes {@code Transfer-Encoding: chunked}. */
    static final class ChunkedInputStream extends InputStream {
        private final InputStream in;
        private int remaining;
        private boolean done;

        ChunkedInputStream(InputStream in) {
            this.in = in;
        }

        private boolean nextChunk() throws IOException {
            if (done) {
                return false;
            }
            String sizeLine = readLine(in);
            if (sizeLine != null && sizeLine.isEmpty()) {
                sizeLine = readLine(in); // CRLF after the previous chunk
            }
            if (sizeLine == null) {
                done = true;
                return false;
            }
            int semi = sizeLine.indexOf(';');
            String hex = (semi < 0 ? sizeLine : sizeLine.substring(0, semi)).trim();
            try {
                remaining = Integer.parseInt(hex, 16);
            } catch (NumberFormatException e) {
                throw new IOException("malformed chunk size '" + hex + "'");
            }
            if (remaining == 0) {
                String trailer;
                while ((trailer = readLine(in)) != null && !trailer.isEmpty()) {
                    // skip trailers
                }
                done = true;
                return false;
            }
            return true;
        }

        @Override
        public int read() throws IOException {
            if (remaining == 0 && !nextChunk()) {
                return -1;
            }
            int c = in.read();
            if (c >= 0) {
                remaining--;
            }
            return c;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            if (remaining == 0 && !nextChunk()) {
                return -1;
            }
            int n = in.read(b, off, Math.min(len, remaining));
            if (n > 0) {
                remaining -= n;
            }
            return n;
        }
    }
}
