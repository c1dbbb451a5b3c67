package io.styxy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * The CLI jar's module descriptor is an API too: {@code jar --describe-module} must print what
 * {@code src/test/resources/modules/io.styxy.cli.txt} says (regenerate with -Dstyxy.golden.update=true).
 */
class CliModuleDescriptorIT {

    @Test
    void theCliJarDescribesItsModuleAsTheGoldenFileSays() throws Exception {
        Path jar = Path.of("target/modules/styxy-cli.jar");
        assertThat(jar).exists();
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jar").toString(),
                "--describe-module", "--file", jar.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        List<String> lines = new ArrayList<>(out.strip().lines().toList());
        String first = lines.getFirst();
        lines.set(0, first.substring(0, first.indexOf('@') > 0 ? first.indexOf('@') : first.indexOf(' ')));
        String text = String.join("\n", lines) + "\n";
        Path golden = Path.of("src/test/resources/modules/io.styxy.cli.txt");
        if (Boolean.getBoolean("styxy.golden.update")) {
            Files.writeString(golden, text);
        }
        assertThat(text).isEqualTo(Files.readString(golden));
    }
}
