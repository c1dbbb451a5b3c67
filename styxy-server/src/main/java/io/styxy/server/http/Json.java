package io.styxy.server.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerResponse;
import io.styxy.server.json.JsonValues;

import java.util.LinkedHashMap;
import java.util.Map;

/** JSON in and out of the HTTP adapter. Answers are ordered maps and lists; nothing is serialised by reflection. */
final class Json {

    private Json() {
    }

    static byte[] bytes(Object body) {
        return JsonValues.bytes(body);
    }

    static void send(ServerResponse res, Status status, Object body) {
        res.status(status).header(HeaderValues.CONTENT_TYPE_JSON).send(bytes(body));
    }

    static void ok(ServerResponse res, Object body) {
        send(res, Status.OK_200, body);
    }

    /** A body as plain values ({@link JsonValues}); an empty body is an empty object. */
    static Object parse(byte[] body) throws JsonProcessingException {
        if (body.length == 0) {
            return new LinkedHashMap<String, Object>();
        }
        return JsonValues.parse(body);
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
