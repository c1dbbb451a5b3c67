package io.styxy.bench.load;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;

/** Malformed requests: hand-written cases first, then seeded fuzz of JSON bodies and lines up to the count. */
final class Malformed {

    private Malformed() {
    }

    private static final String VALID = "{\"service_type\":\"dev\",\"service_name\":\"svc\",\"preferred_port\":3005,"
            + "\"project_path\":\"/work/p\",\"instance_id\":\"i-1\"}";

    static List<byte[]> http(int port, String token, int count) {
        String host = "127.0.0.1:" + port;
        String auth = "Authorization: Bearer " + token + "\r\n";
        List<String> bodies = new ArrayList<>(List.of(
                "", "{", "}", "[]", "[1,2]", "1", "\"dev\"", "null", "true", "{\"service_type\":}",
                "{\"service_type\":1}", "{\"service_type\":[\"dev\"]}", "{\"service_type\":{}}",
                "{\"service_type\":null}", "{}", "{\"service_type\":\"\"}", "{\"service_type\":\"bad name\"}",
                "{\"service_type\":\"" + "x".repeat(200) + "\"}", "{\"service_type\":\"dev\",\"preferred_port\":\"abc\"}",
                "{\"service_type\":\"dev\",\"preferred_port\":70000}", "{\"service_type\":\"dev\",\"preferred_port\":-1}",
                "{\"service_type\":\"dev\",\"preferred_port\":1.5}", "{\"service_type\":\"dev\",\"preferred_port\":80}",
                "{\"service_type\":\"dev\",\"pid\":\"x\"}", "{\"service_type\":\"dev\",\"pid\":1.5}",
                "{\"service_type\":\"dev\",\"pid\":-5}", "{\"service_type\":\"dev\",\"pid\":99999999999999999999}",
                "{\"service_type\":\"dev\",\"pid\":2147483647}", "{\"service_type\":\"dev\",\"instance_id\":\"a b\"}",
                "{\"service_type\":\"dev\",\"project_path\":\"" + "p".repeat(1200) + "\"}",
                "{\"service_type\":\"dev\",\"service_name\":7}", "{\"service_type\":\"dev\",\"stable\":\"yes\"}",
                "{\"service_type\":\"dev\"", "{\"service_type\":\"dev\"}}", "{\"service_type\":\"d\\u0000ev\"}",
                "\u0000\u0001\u0002", "{'service_type':'dev'}", "service_type=dev"));
        List<byte[]> out = new ArrayList<>();
        for (String b : bodies) {
            out.add(post(host, auth, "/allocate", "application/json", b));
        }
        // Bodies: too large, wrong media type.
        out.add(post(host, auth, "/allocate", "application/json", "{\"service_type\":\"" + "a".repeat(11_000) + "\"}"));
        out.add(post(host, auth, "/allocate", "text/plain", VALID));
        out.add(post(host, auth, "/allocate", "application/x-www-form-urlencoded", "service_type=dev"));
        // Releases and checks with bad arguments.
        for (String id : List.of("x", "not-a-uuid", "123", UUID.randomUUID().toString(),
                UUID.randomUUID().toString().toUpperCase(), "00000000-0000-0000-0000-000000000000", "%00", "..%2F..",
                "a".repeat(300))) {
            out.add(req("DELETE /allocate/" + id + " HTTP/1.1\r\nHost: " + host + "\r\n" + auth + "\r\n"));
        }
        for (String p : List.of("abc", "0", "-1", "65536", "70000", "99999999999", "1e3", "%20", "3000.5", "")) {
            out.add(req("GET /check/" + p + " HTTP/1.1\r\nHost: " + host + "\r\n" + auth + "\r\n"));
        }
        // Authentication and origin.
        out.add(req("GET /allocations HTTP/1.1\r\nHost: " + host + "\r\n\r\n"));
        out.add(req("GET /allocations HTTP/1.1\r\nHost: " + host + "\r\nAuthorization: Bearer wrong\r\n\r\n"));
        out.add(req("GET /allocations HTTP/1.1\r\nHost: " + host + "\r\nX-API-Key: \r\n\r\n"));
        out.add(req("GET /allocations HTTP/1.1\r\nHost: evil.example:" + port + "\r\n" + auth + "\r\n"));
        out.add(req("GET /allocations HTTP/1.1\r\nHost: 127.0.0.1:1\r\n" + auth + "\r\n"));
        out.add(req("GET /allocations HTTP/1.1\r\nHost: " + host + "\r\n" + auth + "Origin: http://evil.example\r\n\r\n"));
        out.add(req("POST /allocate HTTP/1.1\r\nHost: " + host + "\r\nContent-Type: application/json\r\nContent-Length: "
                + VALID.length() + "\r\n\r\n" + VALID));
        // Routes and methods.
        for (String line : List.of("GET /nope", "PUT /allocate", "PATCH /allocate/x", "GET /allocate",
                "POST /check/3000", "DELETE /allocations", "GET /v1/nope", "GET /../../etc/passwd",
                "GET /%", "GET /allocations?x=%zz")) {
            out.add(req(line + " HTTP/1.1\r\nHost: " + host + "\r\n" + auth + "\r\n"));
        }
        // Broken HTTP framing.
        out.add(req("GARBAGE\r\n\r\n"));
        out.add(req("GET / HTTP/9.9\r\nHost: " + host + "\r\n\r\n"));
        out.add(req("GET /status HTTP/1.1\r\nHost: " + host + "\r\nBadHeader\r\n\r\n"));
        out.add(req("GET /status HTTP/1.1\r\nHost: " + host + "\r\nX-Big: " + "b".repeat(40_000) + "\r\n\r\n"));
        out.add(req("POST /allocate HTTP/1.1\r\nHost: " + host + "\r\n" + auth
                + "Content-Type: application/json\r\nContent-Length: -1\r\n\r\n{}"));
        out.add(req("POST /allocate HTTP/1.1\r\nHost: " + host + "\r\n" + auth
                + "Content-Type: application/json\r\nContent-Length: abc\r\n\r\n{}"));
        out.add(req("POST /allocate HTTP/1.1\r\nHost: " + host + "\r\n" + auth
                + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n"));
        out.add(req("GET /status HTTP/1.1\r\n\r\n"));
        // Fuzz up to the count: a valid body with one random byte changed, truncated, or a field retyped.
        Random random = new Random(20261125);
        String[] junk = {"null", "[]", "{}", "-1", "1e309", "\"\"", "true", "\"\\ud800\""};
        String[] fields = {"service_type", "preferred_port", "pid", "instance_id", "project_path", "service_name"};
        while (out.size() < count) {
            String body;
            switch (random.nextInt(3)) {
                case 0 -> {
                    String swaps = "{}[]\",:\\ \u0000x9";
                    char[] c = VALID.toCharArray();
                    int at = random.nextInt(c.length);
                    c[at] = swaps.charAt(random.nextInt(swaps.length()));
                    body = new String(c);
                    // A change inside a value can leave a valid request (e.g. another service name): keep only
                    // the changes that break the JSON.
                    if (!brokenJson(body)) {
                        continue;
                    }
                }
                case 1 -> body = VALID.substring(0, 1 + random.nextInt(VALID.length() - 2));
                default -> {
                    String f = fields[random.nextInt(fields.length)];
                    String v = f.equals("service_type") ? junk[random.nextInt(junk.length)]
                            : junk[random.nextInt(3)];
                    body = "{\"service_type\":\"dev\",\"" + f + "\":" + v + "}";
                    if (!f.equals("service_type") && !f.equals("preferred_port") && !f.equals("pid")
                            && v.equals("null")) {
                        continue; // null for an optional text field is allowed
                    }
                    if (v.equals("null") && !f.equals("service_type")) {
                        continue;
                    }
                }
            }
            out.add(post(host, auth, "/allocate", "application/json", body));
        }
        return out;
    }

    /** Whether the text fails to parse as one JSON object (a rough check: braces, quotes, control characters). */
    private static boolean brokenJson(String s) {
        try {
            new com.fasterxml.jackson.databind.ObjectMapper().readTree(s);
            return !s.trim().startsWith("{");
        } catch (Exception e) {
            return true;
        }
    }

    static List<byte[]> lines(int count) {
        List<String> fixed = new ArrayList<>(List.of("", "   ", "HELLO", "ALLOCATE",
                "ALLOCATE type=", "ALLOCATE type=bad!name", "ALLOCATE type=dev port=abc", "ALLOCATE type=dev port=70000",
                "ALLOCATE type=dev pid=x", "ALLOCATE type=dev pid=-1",
                "RELEASE", "RELEASE lock=", "RELEASE lock=xyz", "RELEASE lock=" + UUID.randomUUID(),
                "CHECK", "CHECK port=", "CHECK port=0", "CHECK port=abc", "CHECK port=99999",
                "REASSIGN", "REASSIGN pid=1", "REASSIGN pid=x port=8000 proto=tcp", "REASSIGN pid=1 port=8000 proto=sctp",
                "PING extra", "\u0000\u0001\u0002", "X".repeat(2000)));
        List<byte[]> out = new ArrayList<>();
        for (String s : fixed) {
            out.add((s + "\n").getBytes(StandardCharsets.UTF_8));
        }
        Random random = new Random(7);
        String[] verbs = {"ALLOCATE", "RELEASE", "CHECK", "REASSIGN"};
        String[] keys = {"type", "port", "lock", "pid", "proto", "failed"};
        while (out.size() < count) {
            StringBuilder sb = new StringBuilder(verbs[random.nextInt(verbs.length)]);
            int n = random.nextInt(3);
            for (int i = 0; i < n; i++) {
                sb.append(' ').append(keys[random.nextInt(keys.length)]).append('=');
                int len = random.nextInt(6);
                for (int j = 0; j < len; j++) {
                    sb.append((char) ('!' + random.nextInt(90)));
                }
            }
            String s = sb.toString();
            if (s.startsWith("PING") || (s.startsWith("ALLOCATE") && s.matches("ALLOCATE( type=[a-z0-9]+)?"))) {
                continue;
            }
            out.add((s + "\n").getBytes(StandardCharsets.UTF_8));
        }
        return out;
    }

    /**
     * Lines that bend the protocol's shape without making the request ambiguous (a lower-case verb, a double space,
     * CRLF). The daemon may tolerate or refuse them; the suite reports which, without a verdict.
     */
    static List<byte[]> lenient() {
        List<byte[]> out = new ArrayList<>();
        for (String s : List.of("allocate type=dev\n", "ALLOCATE type=dev  name=x\n", "ALLOCATE type=dev\r\n")) {
            out.add(s.getBytes(StandardCharsets.UTF_8));
        }
        return out;
    }

    private static byte[] post(String host, String auth, String path, String type, String body) {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        String head = "POST " + path + " HTTP/1.1\r\nHost: " + host + "\r\n" + auth + "Content-Type: " + type
                + "\r\nContent-Length: " + b.length + "\r\n\r\n";
        byte[] h = head.getBytes(StandardCharsets.ISO_8859_1);
        byte[] all = new byte[h.length + b.length];
        System.arraycopy(h, 0, all, 0, h.length);
        System.arraycopy(b, 0, all, h.length, b.length);
        return all;
    }

    private static byte[] req(String raw) {
        return raw.getBytes(StandardCharsets.ISO_8859_1);
    }

    static String show(byte[] request) {
        String s = new String(request, StandardCharsets.ISO_8859_1).replace("\r\n", "\\r\\n");
        int body = s.indexOf("\\r\\n\\r\\n");
        String head = s.length() > 100 ? s.substring(0, 100) + "…" : s;
        return body < 0 || body + 8 >= s.length() ? head
                : head + " body: " + (s.length() - body > 200 ? s.substring(body + 8, body + 200) + "…" : s.substring(body + 8));
    }
}
