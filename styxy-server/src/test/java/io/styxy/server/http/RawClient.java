package io.styxy.server.http;

import java.io.IOException;
import java.util.Map;

/** Authenticated requests over a raw socket, answered as {@link ApiClient.Resp}. */
final class RawClient {

    private RawClient() {
    }

    static ApiClient.Resp send(int port, String method, String path, String body) throws IOException {
        String req = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nAuthorization: Bearer "
                + ApiFixture.TOKEN + "\r\nConnection: close\r\n"
                + (body == null ? "" : "Content-Type: application/json\r\nContent-Length: "
                + body.getBytes(java.nio.charset.StandardCharsets.UTF_8).length + "\r\n") + "\r\n"
                + (body == null ? "" : body);
        RawHttp.Answer a = RawHttp.send(port, req.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return new ApiClient.Resp(a.status(), a.contentType(), a.body(), Map.copyOf(a.headers()));
    }

    static ApiClient.Resp post(int port, String path, String body) throws IOException {
        return send(port, "POST", path, body);
    }

    static ApiClient.Resp delete(int port, String path) throws IOException {
        return send(port, "DELETE", path, null);
    }
}
