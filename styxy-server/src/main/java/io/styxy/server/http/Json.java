package io.styxy.server.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerResponse;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/** JSON in and out of the HTTP adapter. Answers are ordered maps and lists; nothing is serialised by reflection. */
final class Json {

    /** Bodies are at most a few KB: a deep or long document is hostile, not a real request. */
    static final ObjectMapper MAPPER = JsonMapper.builder()
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    static {
        MAPPER.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxNestingDepth(32).maxStringLength(64 * 1024).maxNumberLength(32).build());
    }

    private static final byte[] FALLBACK = "{\"error\":{\"code\":\"INTERNAL\",\"message\":\"the answer could not be written\",\"status\":500}}"
            .getBytes(java.nio.charset.StandardCharsets.UTF_8);

    private Json() {
    }

    static byte[] bytes(Object body) {
        try {
            return MAPPER.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            return FALLBACK;
        }
    }

    static void send(ServerResponse res, Status status, Object body) {
        res.status(status).header(HeaderValues.CONTENT_TYPE_JSON).send(bytes(body));
    }

    static void ok(ServerResponse res, Object body) {
        send(res, Status.OK_200, body);
    }

    static JsonNode parse(byte[] body) throws IOException {
        if (body.length == 0) {
            return MAPPER.createObjectNode();
        }
        return MAPPER.readTree(body);
    }

    /** An ordered map, built from alternating keys and values. */
    static Map<String, Object> obj(Object... keysAndValues) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }
}
