package io.styxy.server.config;

import io.styxy.api.PortRange;
import io.styxy.api.ServiceType;
import io.styxy.server.audit.AuditLog;
import io.styxy.server.engine.ServiceTypeWriter;
import io.styxy.server.json.JsonValues;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Saves auto-allocated service types into the user's {@code config.json}: a backup first (10 kept), then an atomic
 * replace (temp file, fsync, rename, 0600), then an audit entry. Calls are serialised by the engine.
 */
public final class ConfigFileTypeWriter implements ServiceTypeWriter {

    private static final int KEPT_BACKUPS = 10;

    private final StateDir state;
    private final AuditLog audit;

    public ConfigFileTypeWriter(StateDir state, AuditLog audit) {
        this.state = state;
        this.audit = audit;
    }

    @Override
    public synchronized void persistAutoType(ServiceType type, PortRange previous) {
        Path file = state.configFile();
        try {
            Object root = Files.exists(file) ? JsonValues.parse(Files.readAllBytes(file)) : null;
            if (root != null) {
                backup(file);
            }
            String now = Instant.now().toString();
            String text = JsonValues.prettyText(UserConfig.withServiceType(root, type, now));
            UserConfig.parse(file, text); // never write a file the daemon would refuse to read
            StateDir.writeAtomically(file, text + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot update " + file + ": " + e.getMessage(), e);
        } catch (ConfigException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("serviceType", type.name());
        fields.put("range", List.of(type.range().start(), type.range().end()));
        fields.put("chunkSize", type.range().size() - (previous == null ? 0 : previous.size()));
        if (previous != null) {
            fields.put("previousRange", List.of(previous.start(), previous.end()));
        }
        fields.put("pid", ProcessHandle.current().pid());
        fields.put("user", System.getProperty("user.name"));
        audit.record(previous == null ? "AUTO_ALLOCATION" : "AUTO_ALLOCATION_GROW", fields);
    }

    private void backup(Path file) throws IOException {
        Path dir = state.configBackups();
        String stamp = Instant.now().toString().replace(':', '-');
        Files.copy(file, dir.resolve("config-" + stamp + ".json"), StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.COPY_ATTRIBUTES);
        try (Stream<Path> backups = Files.list(dir)) {
            List<Path> sorted = backups.filter(p -> p.getFileName().toString().startsWith("config-"))
                    .sorted(Comparator.comparing(Path::getFileName).reversed()).toList();
            for (Path old : sorted.subList(Math.min(KEPT_BACKUPS, sorted.size()), sorted.size())) {
                Files.deleteIfExists(old);
            }
        }
    }
}
