package io.styxy.server.e2e;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The module descriptor of every jar Styxy publishes is an API: {@code jar --describe-module} must print what the
 * golden file under {@code src/test/resources/modules/} says. After a deliberate change, regenerate with
 * {@code -Dstyxy.golden.update=true} and review the diff.
 */
class ModuleDescriptorIT {

    private static final Path GOLDEN = Path.of("src/test/resources/modules");

    @Test
    void everyPublishedJarDescribesItsModuleAsTheGoldenFileSays() throws Exception {
        Path modules = Path.of(System.getProperty("styxy.modules", "target/modules"));
        List<Path> jars;
        try (Stream<Path> files = Files.list(modules)) {
            jars = files.filter(p -> {
                String n = p.getFileName().toString();
                return n.startsWith("styxy-") || n.startsWith("service-types") || n.startsWith("observer-");
            }).sorted().toList();
        }
        assertThat(jars).isNotEmpty();
        boolean update = Boolean.getBoolean("styxy.golden.update");
        TreeSet<String> described = new TreeSet<>();
        List<String> mismatches = new ArrayList<>();
        for (Path jar : jars) {
            String text = describe(jar);
            String module = text.lines().findFirst().orElseThrow();
            described.add(module);
            Path golden = GOLDEN.resolve(module + ".txt");
            if (update) {
                Files.createDirectories(GOLDEN);
                Files.writeString(golden, text);
            } else if (Files.notExists(golden)) {
                mismatches.add(module + ": no golden file " + golden + " (run with -Dstyxy.golden.update=true)");
            } else if (!Files.readString(golden).equals(text)) {
                mismatches.add(module + ": expected\n" + Files.readString(golden) + "but jar says\n" + text);
            }
        }
        assertThat(mismatches).isEmpty();
        try (Stream<Path> files = Files.list(GOLDEN)) {
            assertThat(files.map(p -> p.getFileName().toString().replace(".txt", "")))
                    .as("golden files whose jar is gone").allMatch(described::contains);
        }
    }

    /** {@code jar --describe-module}, with the first line cut to the module name (no version, no path). */
    private static String describe(Path jar) throws IOException, InterruptedException {
        String javaHome = Path.of(System.getProperty("styxy.java", "java")).getParent().getParent().toString();
        Process p = new ProcessBuilder(javaHome + "/bin/jar", "--describe-module", "--file", jar.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        List<String> lines = new ArrayList<>(out.strip().lines().toList());
        String first = lines.getFirst();
        lines.set(0, first.substring(0, first.indexOf('@') > 0 ? first.indexOf('@') : first.indexOf(' ')));
        return String.join("\n", lines) + "\n";
    }
}
