package io.styxy.server.http;

import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.testing.junit5.DirectClient;
import io.helidon.webserver.testing.junit5.RoutingTest;
import io.helidon.webserver.testing.junit5.SetUpRoute;

/** The shared assertions in memory: Helidon's DirectClient calls the routing without a socket. */
@RoutingTest
class ApiRoutingTest extends AbstractApiTest {

    private static final ApiFixture FIXTURE = new ApiFixture();

    ApiRoutingTest(DirectClient client) {
        super(client, FIXTURE);
    }

    @SetUpRoute
    static void routing(HttpRouting.Builder routing) {
        FIXTURE.api.routing(routing);
    }
}
