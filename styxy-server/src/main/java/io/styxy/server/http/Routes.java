package io.styxy.server.http;

import io.helidon.http.Method;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRouting;

/** Registers a route with Helidon and in the {@link RouteTable} at once. */
final class Routes {

    private final HttpRouting.Builder routing;
    private final RouteTable table;

    Routes(HttpRouting.Builder routing, RouteTable table) {
        this.routing = routing;
        this.table = table;
    }

    Routes get(String path, Handler handler) {
        return route(Method.GET, path, handler);
    }

    Routes post(String path, Handler handler) {
        return route(Method.POST, path, handler);
    }

    Routes put(String path, Handler handler) {
        return route(Method.PUT, path, handler);
    }

    Routes delete(String path, Handler handler) {
        return route(Method.DELETE, path, handler);
    }

    private Routes route(Method method, String path, Handler handler) {
        routing.route(method, path, handler);
        table.add(method.text(), path);
        return this;
    }
}
