package io.styxy.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.helidon.webserver.WebServer;
import io.styxy.server.engine.AllocationRequest;
import io.styxy.server.engine.Allocation;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code GET /v1/events} over a real socket, and the observe feature beside it. */
class EventStreamTest {

    private static final ApiFixture FIXTURE = new ApiFixture(Duration.ofMillis(300));
    private static WebServer server;
    private static int port;

    @BeforeAll
    static void start() {
        server = FIXTURE.serve();
        port = server.port();
    }

    @AfterAll
    static void stop() {
        FIXTURE.stop(server);
    }

    @BeforeEach
    void reset() {
        FIXTURE.reset();
    }

    /** One SSE client on a raw socket; its lines land in a queue. */
    private static final class Subscriber implements AutoCloseable {
        final Socket socket = new Socket();
        final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        final Thread reader;

        Subscriber(int receiveBuffer, boolean read) throws IOException {
            if (receiveBuffer > 0) {
                socket.setReceiveBufferSize(receiveBuffer);
            }
            socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET /v1/events HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nAuthorization: Bearer "
                    + ApiFixture.TOKEN + "\r\nAccept: text/event-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            reader = Thread.ofVirtual().unstarted(this::readLines);
            if (read) {
                reader.start();
            }
        }

        void startReading() {
            reader.start();
        }

        /**
         * For a subscriber that does not read yet: reads byte by byte up to the end of the stream's opening comment,
         * which the daemon sends only after it registered this subscriber, and leaves the rest unread.
         */
        void awaitRegistered() throws IOException {
            socket.setSoTimeout(5000);
            InputStream in = socket.getInputStream();
            StringBuilder line = new StringBuilder();
            int b;
            while ((b = in.read()) != -1) {
                if (b != '\n') {
                    line.append((char) b);
                } else if (line.toString().startsWith(":styxy events")) {
                    socket.setSoTimeout(0);
                    return;
                } else {
                    line.setLength(0);
                }
            }
            throw new IOException("the event stream ended before its opening comment");
        }

        private void readLines() {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    lines.add(line);
                }
            } catch (IOException e) {
                // closed
            }
        }

        /** Waits for a line starting with {@code prefix}; returns it. */
        String await(String prefix, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                String line = lines.poll(50, TimeUnit.MILLISECONDS);
                if (line != null && line.startsWith(prefix)) {
                    return line;
                }
            }
            throw new AssertionError("no line starting with \"" + prefix + "\" within " + timeout);
        }

        /** The next event: its name and data. */
        String[] nextEvent(Duration timeout) throws InterruptedException {
            String name = await("event:", timeout).substring(6).trim();
            String data = await("data:", timeout).substring(5).trim();
            return new String[]{name, data};
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    private static int subscribers() {
        var gauges = (java.util.Map<?, ?>) FIXTURE.api.metrics().json().get("gauges");
        return ((Number) gauges.get("styxy_event_subscribers")).intValue();
    }

    @Test
    void aClientSeesGrantedThenReleasedInOrder() throws Exception {
        try (Subscriber s = new Subscriber(0, true)) {
            assertThat(s.await("HTTP/1.1 200", Duration.ofSeconds(5))).contains("200");
            s.await(":styxy events", Duration.ofSeconds(5));
            ApiClient.Resp r = RawClient.post(port, "/v1/leases", "{\"service_type\":\"dev\",\"service_name\":\"web\"}");
            assertThat(r.status()).isEqualTo(201);
            String lock = r.json().path("lease").path("lock_id").asText();
            assertThat(RawClient.delete(port, "/v1/leases/" + lock).status()).isEqualTo(200);

            String[] granted = s.nextEvent(Duration.ofSeconds(5));
            assertThat(granted[0]).isEqualTo("lease.granted");
            JsonNode g = ApiClient.JSON.readTree(granted[1]);
            assertThat(g.path("lock_id").asText()).isEqualTo(lock);
            assertThat(g.path("port").asInt()).isEqualTo(3000);
            assertThat(g.path("service_name").asText()).isEqualTo("web");

            String[] released = s.nextEvent(Duration.ofSeconds(5));
            assertThat(released[0]).isEqualTo("lease.released");
            JsonNode rel = ApiClient.JSON.readTree(released[1]);
            assertThat(rel.path("lock_id").asText()).isEqualTo(lock);
            assertThat(rel.path("reason").asText()).isEqualTo("released");
        }
    }

    @Test
    void idleStreamsGetCommentHeartbeatsAndGoneClientsAreRemoved() throws Exception {
        Subscriber s = new Subscriber(0, true);
        s.await(":styxy events", Duration.ofSeconds(5));
        s.await(":heartbeat", Duration.ofSeconds(5));
        assertThat(subscribers()).isEqualTo(1);
        s.close();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (subscribers() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(subscribers()).isZero();
    }

    @Test
    void otherEventKinds() throws Exception {
        try (Subscriber s = new Subscriber(0, true)) {
            s.await(":styxy events", Duration.ofSeconds(5));
            FIXTURE.edges.processes.start(6100, 5, "uvicorn main:app --port 8000");
            FIXTURE.engine.reassign(6100, 8000, io.styxy.api.Protocol.TCP, null);
            List<String> names = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                names.add(s.nextEvent(Duration.ofSeconds(5))[0]);
            }
            assertThat(names).containsExactly("lease.granted", "port.reassigned");
            FIXTURE.engine.allocate(AllocationRequest.of("brand-new-" + System.nanoTime() % 10000));
            List<String> more = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                more.add(s.nextEvent(Duration.ofSeconds(5))[0]);
            }
            assertThat(more).containsExactly("service_type.created", "lease.granted");
            FIXTURE.engine.publish(new io.styxy.server.engine.EngineEvent.ListenerAppeared(
                    AbstractApiTest.listener(3333, 1, "npm run dev")));
            String[] appeared = s.nextEvent(Duration.ofSeconds(5));
            assertThat(appeared[0]).isEqualTo("listener.appeared");
            assertThat(ApiClient.JSON.readTree(appeared[1]).path("service_type").asText()).isEqualTo("dev");
        }
    }

    @Test
    void aSlowSubscriberNeverBlocksTheEngineAndIsToldWhatItMissed() throws Exception {
        try (Subscriber slow = new Subscriber(1024, false)) {
            // Not the subscriber count: a previous test's subscriber may still be counted until its next heartbeat.
            slow.awaitRegistered();
            long t0 = System.nanoTime();
            for (int i = 0; i < 3000; i++) {
                Allocation a = FIXTURE.engine.allocate(AllocationRequest.of("dev"));
                FIXTURE.engine.releasePort(a.port());
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertThat(ms).as("6000 events with a stalled subscriber").isLessThan(15_000);
            slow.startReading();
            String dropped = slow.await("event:dropped", Duration.ofSeconds(10));
            assertThat(dropped.substring(6).trim()).isEqualTo("dropped");
            JsonNode data = ApiClient.JSON.readTree(slow.await("data:", Duration.ofSeconds(5)).substring(5));
            assertThat(data.path("dropped").asLong()).isPositive();
            assertThat(FIXTURE.api.metrics().total("styxy_events_dropped_total")).isPositive();
        }
    }

    @Test
    void eventsWantTheEventStreamMediaType() throws Exception {
        RawHttp.Answer a = RawHttp.send(port, "GET /v1/events HTTP/1.1\r\nHost: 127.0.0.1:" + port
                + "\r\nAuthorization: Bearer " + ApiFixture.TOKEN + "\r\nAccept: application/json\r\n"
                + "Connection: close\r\n\r\n");
        assertThat(a.status()).isEqualTo(406);
        assertThat(a.body()).contains("NOT_ACCEPTABLE");
    }

    @Test
    void metricsUnderV1ObserveAreTheDaemonsOwnInPrometheusText() throws Exception {
        RawClient.post(port, "/v1/leases", "{\"service_type\":\"dev\"}");
        RawHttp.Answer m = RawHttp.send(port, "GET /v1/observe/metrics HTTP/1.1\r\nHost: 127.0.0.1:" + port
                + "\r\nAuthorization: Bearer " + ApiFixture.TOKEN + "\r\nConnection: close\r\n\r\n");
        assertThat(m.status()).isEqualTo(200);
        assertThat(m.contentType()).startsWith("text/plain");
        PrometheusText.assertValid(m.body());
        assertThat(m.body()).contains("styxy_leases_granted_total{");
    }

    @Test
    void helidonHealthIsMountedUnderV1AndGuarded() throws Exception {
        RawHttp.Answer health = RawHttp.send(port, "GET /v1/observe/health HTTP/1.1\r\nHost: 127.0.0.1:" + port
                + "\r\nAuthorization: Bearer " + ApiFixture.TOKEN + "\r\nConnection: close\r\n\r\n");
        assertThat(health.status()).isEqualTo(200);
        JsonNode j = ApiClient.JSON.readTree(health.body());
        assertThat(j.path("status").asText()).isEqualTo("UP");
        List<String> checks = new ArrayList<>();
        j.path("checks").forEach(c -> checks.add(c.path("name").asText()));
        assertThat(checks).contains("daemon", "store", "observer");
        RawHttp.Answer anonymous = RawHttp.send(port, "GET /v1/observe/health HTTP/1.1\r\nHost: 127.0.0.1:" + port
                + "\r\nConnection: close\r\n\r\n");
        assertThat(anonymous.status()).isEqualTo(401);
        FIXTURE.edges.store.refuseWrites(true);
        RawClient.post(port, "/v1/leases", "{\"service_type\":\"dev\"}");
        RawHttp.Answer down = RawHttp.send(port, "GET /v1/observe/health HTTP/1.1\r\nHost: 127.0.0.1:" + port
                + "\r\nAuthorization: Bearer " + ApiFixture.TOKEN + "\r\nConnection: close\r\n\r\n");
        assertThat(down.status()).isEqualTo(503);
        RawHttp.Answer legacyObserve = RawHttp.send(port, "GET /observe/3000 HTTP/1.1\r\nHost: 127.0.0.1:" + port
                + "\r\nAuthorization: Bearer " + ApiFixture.TOKEN + "\r\nConnection: close\r\n\r\n");
        assertThat(legacyObserve.status()).isEqualTo(200);
        assertThat(legacyObserve.body()).contains("\"bound\":false");
    }
}
