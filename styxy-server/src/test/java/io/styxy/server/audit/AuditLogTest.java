package io.styxy.server.audit;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class AuditLogTest {

    @TempDir
    Path dir;

    @Test
    void jsonLinesIn0600AndTheNewestInMemory() throws Exception {
        Path file = dir.resolve("audit.log");
        AuditLog log = new AuditLog(file);
        log.record("PORT_ALLOCATED", Map.of("port", 3000));
        log.record("PORT_RELEASED", Map.of("port", 3000, "reason", "released"));
        log.flush();
        List<String> lines = Files.readAllLines(file);
        assertThat(lines).hasSize(2);
        var first = new ObjectMapper().readTree(lines.get(0));
        assertThat(first.path("action").asText()).isEqualTo("PORT_ALLOCATED");
        assertThat(first.path("port").asInt()).isEqualTo(3000);
        assertThat(first.has("timestamp")).isTrue();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(log.recent(1)).hasSize(1);
        assertThat(log.recent(1).getFirst().get("action")).isEqualTo("PORT_RELEASED");
    }

    @Test
    void rotatesKeepingFiveOldFilesAndAppendsAfterARestart() throws Exception {
        Path file = dir.resolve("audit.log");
        AuditLog log = new AuditLog(file, 1000);
        for (int i = 0; i < 200; i++) {
            log.record("E", Map.of("i", i, "pad", "x".repeat(50)));
        }
        log.close();
        assertThat(Files.size(file)).isLessThanOrEqualTo(1000);
        for (int i = 1; i <= 5; i++) {
            assertThat(dir.resolve("audit.log." + i)).exists();
        }
        assertThat(dir.resolve("audit.log.6")).doesNotExist();
        List<String> last = Files.readAllLines(file);
        assertThat(last.getLast()).contains("\"i\":199");
        long before = Files.size(file);
        AuditLog again = new AuditLog(file, 1_000_000);
        again.record("AFTER_RESTART", Map.of());
        again.flush();
        assertThat(Files.size(file)).isGreaterThan(before);
        assertThat(Files.readAllLines(file).getLast()).contains("AFTER_RESTART");
    }

    @Test
    void entriesFromManyThreadsAllReachTheFileWholeAndInEachThreadsOrder() throws Exception {
        Path file = dir.resolve("audit.log");
        AuditLog log = new AuditLog(file);
        int threads = 8;
        int each = 2_000;
        List<Thread> started = new java.util.ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            started.add(Thread.ofPlatform().start(() -> {
                for (int i = 0; i < each; i++) {
                    log.record("E", Map.of("t", id, "i", i));
                }
            }));
        }
        for (Thread t : started) {
            t.join();
        }
        log.flush();
        List<String> lines = Files.readAllLines(file);
        assertThat(lines).hasSize(threads * each);
        int[] next = new int[threads];
        ObjectMapper json = new ObjectMapper();
        for (String line : lines) {
            var e = json.readTree(line);
            int t = e.path("t").asInt();
            assertThat(e.path("i").asInt()).isEqualTo(next[t]);
            next[t]++;
        }
        log.close();
    }

    @Test
    void everyKindOfFieldIsWrittenAsDataBindingWouldWriteIt() throws Exception {
        Map<String, Object> fields = new java.util.LinkedHashMap<>();
        fields.put("text", "quote \" backslash \\ newline \n tab \t control \u0001 é 🚀");
        fields.put("int", 8000);
        fields.put("long", 1L << 40);
        fields.put("double", 1.5);
        fields.put("bool", true);
        fields.put("none", null);
        fields.put("range", List.of(3000, 3099));
        fields.put("nested", Map.of("k", "v"));
        fields.put("big", new java.math.BigDecimal("12345678901234567890.5"));
        try (AuditLog log = new AuditLog(dir.resolve("audit.log"))) {
            log.record("KINDS", fields);
        }
        String line = Files.readAllLines(dir.resolve("audit.log")).get(0);
        Map<String, Object> expected = new java.util.LinkedHashMap<>();
        expected.put("timestamp", new ObjectMapper().readTree(line).get("timestamp").asText());
        expected.put("action", "KINDS");
        expected.putAll(fields);
        assertThat(line).isEqualTo(new ObjectMapper().writeValueAsString(expected));
    }

    @Test
    void anEntryAfterCloseStaysInMemoryAndNeverThrows() throws Exception {
        Path file = dir.resolve("audit.log");
        AuditLog log = new AuditLog(file);
        log.record("BEFORE", Map.of());
        log.close();
        log.record("AFTER", Map.of());
        assertThat(Files.readAllLines(file)).hasSize(1).first().asString().contains("BEFORE");
        assertThat(log.recent(1).getFirst().get("action")).isEqualTo("AFTER");
    }

    @Test
    void aMemoryOnlyLogNeverTouchesTheFileAndStillShowsTheRecentEntries() throws Exception {
        Path file = dir.resolve("audit.log");
        AuditLog log = AuditLog.memoryOnly(file, "STYXY_HOME " + dir + " is read-only");
        assertThat(log.isMemoryOnly()).isTrue();
        log.record("DAEMON_STARTED", Map.of("read_only", true));
        log.record("DAEMON_STOPPED", Map.of());
        log.flush();
        assertThat(file).doesNotExist();
        assertThat(log.recent(10)).extracting(e -> e.get("action")).containsExactly("DAEMON_STARTED",
                "DAEMON_STOPPED");
    }
}
