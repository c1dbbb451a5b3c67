package io.styxy.server.http;

import io.helidon.webclient.http1.Http1Client;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpServer;

/** The shared assertions over a real socket on 127.0.0.1, port 0, configured exactly as the daemon does. */
@ServerTest
class ApiServerTest extends AbstractApiTest {

    static final ApiFixture FIXTURE = new ApiFixture();

    ApiServerTest(Http1Client client, WebServer server) {
        super(client, FIXTURE);
        FIXTURE.port = server.port();
    }

    @SetUpServer
    static void server(WebServerConfig.Builder server) {
        FIXTURE.api.configure(server, false);
    }
}
