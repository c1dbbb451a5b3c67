import com.sun.net.httpserver.HttpServer;

import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * A JDK HTTP server on the port named on the command line (wildcard address, so dual-stack).
 * Run as a single-file program by run-tests.sh under LD_PRELOAD: when the port is busy, the
 * interposer moves it, and the port printed here is the one the kernel really gave.
 */
public class HttpHello {
    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        HttpServer server = HttpServer.create(new InetSocketAddress(port), 0);
        server.createContext("/", exchange -> {
            byte[] body = "hello from java\n".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        System.out.println("listening on port " + server.getAddress().getPort());
    }
}
