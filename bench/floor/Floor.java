import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.helidon.webserver.WebServer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The smallest Helidon SE server worth comparing the daemon with: one route, {@code GET /check/{port}}, answering a
 * small JSON object. {@code bench/floor/run.sh} starts it as row 6 starts the daemon and prints its RSS.
 *
 * <p>{@code args[1]} says how the answer is written: {@code text} (a string, no JSON library), {@code core}
 * (jackson-core's generator, as the daemon writes) or {@code databind} (Jackson's data binding, as the daemon wrote
 * until 2026-12-02). Only the modules the mode needs are resolved (run.sh passes {@code --limit-modules}).
 */
public final class Floor {

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        String mode = args[1];
        WebServer server = WebServer.builder().port(port).host("127.0.0.1")
                .routing(r -> r.get("/check/{port}", (req, res) -> {
                    Map<String, Object> answer = new LinkedHashMap<>();
                    answer.put("port", Integer.parseInt(req.path().pathParameters().get("port")));
                    answer.put("available", true);
                    answer.put("owners", List.of());
                    res.send(switch (mode) {
                        case "core" -> Core.bytes(answer);
                        case "databind" -> DataBinding.bytes(answer);
                        default -> "{\"port\":" + answer.get("port") + ",\"available\":true,\"owners\":[]}";
                    });
                }))
                .build().start();
        System.out.println("listening on " + server.port());
        Thread.currentThread().join();
    }

    /** Its own class, so the text mode never loads Jackson. */
    private static final class Core {
        private static final JsonFactory FACTORY = new JsonFactory();

        static byte[] bytes(Map<String, Object> answer) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (JsonGenerator g = FACTORY.createGenerator(out)) {
                g.writeStartObject();
                g.writeNumberField("port", (Integer) answer.get("port"));
                g.writeBooleanField("available", true);
                g.writeArrayFieldStart("owners");
                g.writeEndArray();
                g.writeEndObject();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return out.toByteArray();
        }
    }

    /** Its own class, so the other modes never load data binding. */
    private static final class DataBinding {
        private static final com.fasterxml.jackson.databind.ObjectMapper MAPPER =
                new com.fasterxml.jackson.databind.ObjectMapper();

        static byte[] bytes(Object value) {
            try {
                return MAPPER.writeValueAsBytes(value);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
