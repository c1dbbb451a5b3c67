package io.styxy.server.e2e;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Several OS processes allocating through the daemon at once never receive the same port. */
class ConcurrentClientsIT {

    @TempDir
    Path tmp;

    @Test
    void separateProcessesNeverShareAPort() throws Exception {
        try (RunningDaemon daemon = RunningDaemon.start(tmp.resolve("home"))) {
            String script = """
                    import json, sys, urllib.request
                    port, token, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
                    for _ in range(n):
                        req = urllib.request.Request("http://127.0.0.1:%s/allocate" % port, method="POST",
                            data=json.dumps({"service_type": "api"}).encode(),
                            headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
                        with urllib.request.urlopen(req) as r:
                            print(json.load(r)["port"], flush=True)
                    """;
            Path py = tmp.resolve("client.py");
            Files.writeString(py, script);
            String token = Files.readString(daemon.home().resolve("auth.token")).trim();
            List<Process> clients = new ArrayList<>();
            List<Path> outputs = new ArrayList<>();
            try {
                for (int i = 0; i < 6; i++) {
                    Path out = tmp.resolve("out-" + i);
                    outputs.add(out);
                    clients.add(new ProcessBuilder("python3", py.toString(), String.valueOf(daemon.port()), token, "15")
                            .redirectOutput(out.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT).start());
                }
                for (Process p : clients) {
                    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
                    assertThat(p.exitValue()).isZero();
                }
            } finally {
                clients.forEach(Process::destroyForcibly);
            }
            List<Integer> ports = new ArrayList<>();
            for (Path out : outputs) {
                Files.readAllLines(out).forEach(line -> ports.add(Integer.parseInt(line.trim())));
            }
            assertThat(ports).hasSize(90);
            assertThat(new HashSet<>(ports)).hasSize(90);
            Set<Integer> leased = new HashSet<>();
            daemon.allocations().forEach(a -> leased.add(a.path("port").asInt()));
            assertThat(leased).containsExactlyInAnyOrderElementsOf(ports);
        }
    }
}
