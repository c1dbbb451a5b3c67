package io.styxy.cli;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;

/** Where this client's jar sits in a source tree (used when the launcher's variables are absent). */
final class Locations {

    private Locations() {
    }

    /** The project root if this client runs from {@code <root>/styxy-cli/target/...}, else null. */
    static Path projectRoot() {
        try {
            CodeSource cs = Locations.class.getProtectionDomain().getCodeSource();
            if (cs == null || cs.getLocation() == null) {
                return null;
            }
            Path p = Path.of(cs.getLocation().toURI()).toAbsolutePath();
            for (Path dir = p; dir != null; dir = dir.getParent()) {
                if (dir.getFileName() != null && dir.getFileName().toString().equals("styxy-cli")
                        && Files.isDirectory(dir.resolveSibling("styxy-server"))) {
                    return dir.getParent();
                }
            }
            return null;
        } catch (URISyntaxException | RuntimeException e) {
            return null;
        }
    }
}
