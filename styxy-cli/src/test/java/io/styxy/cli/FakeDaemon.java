package io.styxy.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/** A stand-in for the daemon's HTTP API: canned answers per route, and a record of every request. */
final class FakeDaemon implements AutoCloseable {

    record Request(String method, String path, Map<String, List<String>> headers, String body) {
        String header(String name) {
            for (Map.Entry<String, List<String>> e : headers.entrySet()) {
                if (e.getKey().equalsIgnoreCase(name)) {
                    return e.getValue().getFirst();
                }
            }
            return null;
        }
    }

    record Answer(int status, String body, boolean chunked) {
    }

    private final HttpServer server;
    private final Map<String, Answer> routes = new ConcurrentHashMap<>();
    final List<Request> requests = new CopyOnWriteArrayList<>();

    FakeDaemon() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        server.createContext("/", this::handle);
        server.start();
    }

    int port() {
        return server.getAddress().getPort();
    }

    /** Answers METHOD PATH (the path with its query, or without it to match any query). */
    FakeDaemon on(String method, String path, int status, String body) {
        routes.put(method + " " + path, new Answer(status, body, false));
        return this;
    }

    FakeDaemon onChunked(String method, String path, int status, String body) {
        routes.put(method + " " + path, new Answer(status, body, true));
        return this;
    }

    Request last() {
        return requests.getLast();
    }

    private void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getRawPath();
        String query = ex.getRequestURI().getRawQuery();
        String full = query == null ? path : path + "?" + query;
        String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        requests.add(new Request(ex.getRequestMethod(), full, Map.copyOf(ex.getRequestHeaders()), body));
        Answer a = routes.get(ex.getRequestMethod() + " " + full);
        if (a == null) {
            a = routes.get(ex.getRequestMethod() + " " + path);
        }
        if (a == null) {
            a = new Answer(404, "{\"error\":{\"code\":\"NOT_FOUND\",\"message\":\"No route " + full
                    + "\",\"status\":404}}", false);
        }
        byte[] b = a.body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", a.body.startsWith("event:") ? "text/event-stream"
                : "application/json");
        ex.sendResponseHeaders(a.status, a.chunked ? 0 : b.length == 0 ? -1 : b.length);
        try (OutputStream os = ex.getResponseBody()) {
            if (a.chunked) {
                // several writes so that several chunks go out
                int half = b.length / 2;
                os.write(b, 0, half);
                os.flush();
                os.write(b, half, b.length - half);
            } else if (b.length > 0) {
                os.write(b);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
