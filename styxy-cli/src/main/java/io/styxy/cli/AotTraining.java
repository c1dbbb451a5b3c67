package io.styxy.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The training run of the AOT cache, made at build time: runs the commands people run most, in this JVM, against
 * a stand-in daemon on a loopback port, so that the classes they load are in the cache. Not a user command.
 */
final class AotTraining {
    static final String ARG = "__aot-training";

    private static final String LEASE = "{\"lock_id\":\"5f0c7a52-1c9e-4d7b-9a51-3e2f1b0c9d88\",\"port\":3000,"
            + "\"protocol\":\"tcp\",\"service_type\":\"dev\",\"service_name\":\"web\",\"project_path\":\"/tmp/p\","
            + "\"instance_id\":\"cli\",\"owner\":{\"pid\":4242,\"start_time\":123},\"origin\":\"api\","
            + "\"created_at\":\"2026-11-25T10:00:00Z\",\"renewed_at\":\"2026-11-25T10:00:00Z\"}";

    private AotTraining() {
    }

    static void run() throws IOException {
        java.io.Console console = System.console(); // what Main asks first on every run
        if (console != null) {
            console.isTerminal();
        }
        Path home = Files.createTempDirectory("styxy-aot");
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread t = new Thread(() -> serve(server), "aot-training-daemon");
            t.setDaemon(true);
            t.start();
            int port = server.getLocalPort();
            List<String[]> commands = List.of(
                    new String[] {"check", "3000"}, new String[] {"check", "3000", "--json"},
                    new String[] {"check", "3001"}, new String[] {"list"}, new String[] {"list", "--json"},
                    new String[] {"allocate", "-s", "dev", "-n", "web"}, new String[] {"allocate", "-s", "dev",
                        "--json"}, new String[] {"allocate", "-s", "dev", "-q"},
                    new String[] {"release", "5f0c7a52-1c9e-4d7b-9a51-3e2f1b0c9d88"}, new String[] {"scan"},
                    new String[] {"daemon", "status"}, new String[] {"version"}, new String[] {"--help"},
                    new String[] {"check", "--help"}, new String[] {"chekc"}, new String[] {"check", "x"});
            for (int round = 0; round < 3; round++) {
                for (String[] args : commands) {
                    Cli.run(ctx(home, port), args);
                }
            }
            // and once with nothing listening: the "daemon is not running" path
            int closed;
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                closed = s.getLocalPort();
            }
            Cli.run(ctx(home, closed), "check", "3000");
        } finally {
            Files.deleteIfExists(home);
        }
    }

    private static Ctx ctx(Path home, int port) {
        Map<String, String> env = new HashMap<>();
        env.put("STYXY_HOME", home.toString());
        env.put("STYXY_DAEMON_PORT", Integer.toString(port));
        PrintWriter sink = new PrintWriter(new StringWriter());
        return new Ctx(sink, sink, env, home, home, false, false);
    }

    private static void serve(ServerSocket server) {
        while (!server.isClosed()) {
            try (Socket s = server.accept()) {
                InputStream in = s.getInputStream();
                String requestLine = DaemonClient.readLine(in);
                String line;
                int length = 0;
                while ((line = DaemonClient.readLine(in)) != null && !line.isEmpty()) {
                    if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                        length = Integer.parseInt(line.substring(15).trim());
                    }
                }
                in.readNBytes(length);
                String path = requestLine == null ? "/" : requestLine.split(" ")[1];
                String body;
                int status = 200;
                if (path.startsWith("/v1/ports/3000")) {
                    body = "{\"port\":3000,\"available\":false,\"lease\":" + LEASE + ",\"listeners\":[{\"protocol\":"
                            + "\"tcp\",\"family\":\"ipv4\",\"address\":\"127.0.0.1\",\"port\":3000,\"pid\":4242,"
                            + "\"process\":\"node\"}],\"quarantined\":false,\"held\":false,\"bindable\":false}";
                } else if (path.startsWith("/v1/ports/")) {
                    body = "{\"port\":3001,\"available\":true,\"lease\":null,\"listeners\":[],\"quarantined\":false,"
                            + "\"held\":false,\"bindable\":true}";
                } else if (path.startsWith("/v1/ports")) {
                    body = "{\"start\":3000,\"end\":9999,\"ports\":[{\"port\":3000,\"lease\":" + LEASE
                            + ",\"listeners\":[]}]}";
                } else if (path.startsWith("/v1/leases") && requestLine.startsWith("POST")) {
                    status = 201;
                    body = "{\"lease\":" + LEASE + "}";
                } else if (path.startsWith("/v1/leases") && requestLine.startsWith("DELETE")) {
                    body = "{\"released\":[" + LEASE + "]}";
                } else if (path.startsWith("/v1/leases")) {
                    body = "{\"leases\":[" + LEASE + "]}";
                } else if (path.startsWith("/v1/status") || path.startsWith("/status")) {
                    body = "{\"status\":\"running\",\"version\":\"0\",\"pid\":1,\"uptime_seconds\":5,\"leases\":1,"
                            + "\"instances\":0,\"observer\":\"procfs\",\"http_port\":1,\"socket\":\"/x\"}";
                } else {
                    status = 404;
                    body = "{\"error\":{\"code\":\"NOT_FOUND\",\"message\":\"no route\",\"status\":404}}";
                }
                byte[] b = body.getBytes(StandardCharsets.UTF_8);
                OutputStream os = s.getOutputStream();
                os.write(("HTTP/1.1 " + status + " X\r\nContent-Type: application/json\r\nContent-Length: " + b.length
                        + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                os.write(b);
                os.flush();
            } catch (IOException | RuntimeException e) {
                // the training goes on
            }
        }
    }
}
