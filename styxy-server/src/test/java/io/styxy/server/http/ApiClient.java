package io.styxy.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.webclient.http1.Http1Client;
import io.helidon.webclient.http1.Http1ClientRequest;
import io.helidon.webclient.http1.Http1ClientResponse;

import java.util.LinkedHashMap;
import java.util.Map;

/** Requests for the shared assertions, over any Helidon HTTP/1.1 client (in memory or over a socket). */
final class ApiClient {

    static final ObjectMapper JSON = new ObjectMapper();

    /** An answer, read completely. */
    record Resp(int status, String contentType, String body, Map<String, String> headers) {

        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (Exception e) {
                throw new AssertionError("not JSON (" + status + "): " + body, e);
            }
        }

        String header(String name) {
            return headers.get(name.toLowerCase(java.util.Locale.ROOT));
        }
    }

    private final Http1Client client;
    private final ApiFixture fx;

    ApiClient(Http1Client client, ApiFixture fx) {
        this.client = client;
        this.fx = fx;
    }

    Resp get(String path) {
        return send(Method.GET, path, null, Map.of(), true);
    }

    Resp post(String path, String json) {
        return send(Method.POST, path, json, Map.of("Content-Type", "application/json"), true);
    }

    Resp put(String path) {
        return send(Method.PUT, path, null, Map.of(), true);
    }

    Resp delete(String path) {
        return send(Method.DELETE, path, null, Map.of(), true);
    }

    Resp anonymous(Method method, String path) {
        return send(method, path, null, Map.of(), false);
    }

    /** {@code headers} may override Host; the token is added when {@code auth}. */
    Resp send(Method method, String path, String body, Map<String, String> headers, boolean auth) {
        int q = path.indexOf('?');
        Http1ClientRequest req = client.method(method).path(q < 0 ? path : path.substring(0, q));
        if (q >= 0) {
            for (String pair : path.substring(q + 1).split("&")) {
                int eq = pair.indexOf('=');
                req.queryParam(eq < 0 ? pair : pair.substring(0, eq), eq < 0 ? "" : pair.substring(eq + 1));
            }
        }
        Map<String, String> all = new LinkedHashMap<>();
        all.put("Host", "127.0.0.1:" + fx.port);
        if (auth) {
            all.put("Authorization", "Bearer " + ApiFixture.TOKEN);
        }
        all.putAll(headers);
        all.forEach((k, v) -> req.header(HeaderNames.create(k), v));
        try (Http1ClientResponse res = body == null ? req.request() : req.submit(body)) {
            Map<String, String> h = new LinkedHashMap<>();
            res.headers().forEach(header -> h.put(header.name().toLowerCase(java.util.Locale.ROOT),
                    header.get()));
            String text = res.entity().hasEntity() ? res.as(String.class) : "";
            return new Resp(res.status().code(), h.getOrDefault("content-type", ""), text, h);
        }
    }
}
