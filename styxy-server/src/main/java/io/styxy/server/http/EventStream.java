package io.styxy.server.http;

import io.helidon.common.media.type.MediaTypes;
import io.helidon.http.Status;
import io.helidon.http.sse.SseEvent;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.helidon.webserver.sse.SseSink;
import io.styxy.api.Listener;
import io.styxy.server.engine.Engine;
import io.styxy.server.engine.EngineEvent;
import io.styxy.server.engine.ServiceTypeInference;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * {@code GET /v1/events}: the engine's events as Server-Sent Events. Each event is serialised once, only when someone
 * listens, and offered to every subscriber's bounded queue without waiting: a slow subscriber loses events (and is
 * told so with a {@code dropped} event), the engine never waits for it. Each subscriber's own request thread writes
 * its queue to the network and sends a comment as heartbeat when idle; a write that fails (the client went away)
 * ends the subscription.
 */
final class EventStream implements Consumer<EngineEvent>, AutoCloseable {

    static final int QUEUE_CAPACITY = 256;

    private record Message(long id, String name, byte[] data) {
    }

    private static final Message CLOSE = new Message(-1, "", new byte[0]);

    private static final class Subscriber {
        final BlockingQueue<Message> queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
        final AtomicLong dropped = new AtomicLong();
    }

    private final Engine engine;
    private final ApiMetrics metrics;
    private final Duration heartbeat;
    private final CopyOnWriteArrayList<Subscriber> subscribers = new CopyOnWriteArrayList<>();
    private final AtomicLong sequence = new AtomicLong();
    private volatile boolean closed;

    EventStream(Engine engine, ApiMetrics metrics, Duration heartbeat) {
        this.engine = engine;
        this.metrics = metrics;
        this.heartbeat = heartbeat;
    }

    int subscribers() {
        return subscribers.size();
    }

    @Override
    public void accept(EngineEvent event) {
        if (subscribers.isEmpty()) {
            return;
        }
        Message message = new Message(sequence.incrementAndGet(), name(event), Json.bytes(data(event)));
        for (Subscriber s : subscribers) {
            if (!s.queue.offer(message)) {
                s.dropped.incrementAndGet();
                metrics.increment("styxy_events_dropped_total");
            }
        }
    }

    static String name(EngineEvent event) {
        return switch (event) {
            case EngineEvent.LeaseGranted g -> "lease.granted";
            case EngineEvent.LeaseReleased r -> "lease.released";
            case EngineEvent.PortReassigned p -> "port.reassigned";
            case EngineEvent.ListenerAppeared a -> "listener.appeared";
            case EngineEvent.ListenerVanished v -> "listener.vanished";
            case EngineEvent.ServiceTypeCreated c -> "service_type.created";
        };
    }

    private Object data(EngineEvent event) {
        return switch (event) {
            case EngineEvent.LeaseGranted g -> Shapes.lease(g.lease());
            case EngineEvent.LeaseReleased r -> {
                Map<String, Object> lease = Shapes.lease(r.lease());
                lease.put("reason", r.reason().name().toLowerCase(Locale.ROOT));
                yield lease;
            }
            case EngineEvent.PortReassigned p -> Shapes.reassignment(p.reassignment());
            case EngineEvent.ListenerAppeared a -> Shapes.listener(a.listener(), typeOf(a.listener()));
            case EngineEvent.ListenerVanished v -> Shapes.listener(v.listener(), typeOf(v.listener()));
            case EngineEvent.ServiceTypeCreated c -> Shapes.serviceType(c.entry());
        };
    }

    private String typeOf(Listener l) {
        return ServiceTypeInference.infer(l.commandLine())
                .or(() -> engine.catalog().typeOfPort(l.port()).map(t -> t.name())).orElse(null);
    }

    /** Serves one subscriber until it goes away or the daemon stops. */
    void handle(ServerRequest req, ServerResponse res) {
        if (!req.headers().isAccepted(MediaTypes.TEXT_EVENT_STREAM)) {
            throw new ApiException(Status.NOT_ACCEPTABLE_406, "NOT_ACCEPTABLE",
                    "the event stream is text/event-stream; send Accept: text/event-stream");
        }
        if (closed) {
            throw new ApiException(Status.SERVICE_UNAVAILABLE_503, "UNAVAILABLE", "the daemon is stopping");
        }
        Subscriber me = new Subscriber();
        subscribers.add(me);
        try (SseSink sink = res.sink(SseSink.TYPE)) {
            sink.emit(SseEvent.builder().comment("styxy events; heartbeat every " + heartbeat.toSeconds() + " s")
                    .build());
            while (!closed) {
                Message m = me.queue.poll(heartbeat.toMillis(), TimeUnit.MILLISECONDS);
                long lost = me.dropped.getAndSet(0);
                if (lost > 0) {
                    sink.emit(SseEvent.builder().name("dropped")
                            .data(Json.bytes(Json.obj("dropped", lost))).build());
                }
                if (m == CLOSE) {
                    break;
                }
                if (m == null) {
                    sink.emit(SseEvent.builder().comment("heartbeat").build());
                } else {
                    sink.emit(SseEvent.builder().id(Long.toString(m.id())).name(m.name()).data(m.data()).build());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            // The client went away (the write failed): the subscription ends here.
        } finally {
            subscribers.remove(me);
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Subscriber s : subscribers) {
            s.queue.clear();
            s.queue.offer(CLOSE);
        }
    }
}
