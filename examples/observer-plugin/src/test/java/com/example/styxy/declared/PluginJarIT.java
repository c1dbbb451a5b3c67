package com.example.styxy.declared;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The packaged jar: its module descriptor is what {@code src/test/resources/<module>.txt} says (regenerate with
 * {@code -Dstyxy.golden.update=true} after a deliberate change), and its manifest declares the SPI version.
 */
class PluginJarIT {

    private static final Path JAR = Path.of(System.getProperty("plugin.jar", "target/plugin.jar"));
    private static final Path GOLDEN = Path.of("src/test/resources/com.example.styxy.declared.txt");

    @Test
    void theModuleDescriptorIsTheGoldenOne() throws Exception {
        String described = describe(JAR);
        if (Boolean.getBoolean("styxy.golden.update")) {
            Files.writeString(GOLDEN, described);
        }
        assertThat(described).isEqualTo(Files.readString(GOLDEN));
    }

    @Test
    void theManifestDeclaresTheSpiVersionAndTheJarVersion() throws Exception {
        try (JarFile jar = new JarFile(JAR.toFile())) {
            var attributes = jar.getManifest().getMainAttributes();
            assertThat(attributes.getValue("Styxy-SPI-Version")).isEqualTo("1");
            assertThat(attributes.getValue("Implementation-Version")).isNotBlank();
            assertThat(jar.getEntry("io/styxy/api/Listener.class")).as("styxy-api is not bundled").isNull();
        }
    }

    /** {@code jar --describe-module}, the first line cut to the module name (no version, no path). */
    static String describe(Path jar) throws Exception {
        Path javaHome = Path.of(System.getProperty("java.home"));
        Process p = new ProcessBuilder(javaHome.resolve("bin/jar").toString(), "--describe-module", "--file",
                jar.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        List<String> lines = new ArrayList<>(out.strip().lines().toList());
        String first = lines.getFirst();
        lines.set(0, first.substring(0, first.indexOf('@') > 0 ? first.indexOf('@') : first.indexOf(' ')));
        return String.join("\n", lines) + "\n";
    }
}
