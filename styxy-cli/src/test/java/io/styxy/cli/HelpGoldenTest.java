package io.styxy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import picocli.CommandLine;

/**
 * The --help of every command against the golden files in src/test/resources/help. After a deliberate change,
 * regenerate them with -Dstyxy.golden.update=true and review the diff.
 */
class HelpGoldenTest {

    @TempDir
    static Path tmp;

    static Stream<List<String>> commands() {
        List<List<String>> all = new ArrayList<>();
        var sink = new java.io.PrintWriter(new java.io.StringWriter());
        CommandLine tree = Cli.fullTree(new Ctx(sink, sink, java.util.Map.of(), Path.of("/"), Path.of("/"), false,
                false));
        collect(tree, new ArrayList<>(), all);
        return all.stream();
    }

    private static void collect(CommandLine cl, List<String> path, List<List<String>> all) {
        all.add(List.copyOf(path));
        for (var e : cl.getSubcommands().entrySet()) {
            List<String> sub = new ArrayList<>(path);
            sub.add(e.getKey());
            collect(e.getValue(), sub, all);
        }
    }

    static String fileName(List<String> path) {
        return path.isEmpty() ? "styxy.txt" : "styxy-" + String.join("-", path) + ".txt";
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("commands")
    void helpMatchesTheGoldenFile(List<String> path) throws IOException {
        List<String> args = new ArrayList<>(path);
        args.add("--help");
        var r = new CliHarness(tmp).run(args.toArray(String[]::new));
        assertThat(r.code()).isZero();
        assertThat(r.err()).isEmpty();
        String name = fileName(path);
        if (Boolean.getBoolean("styxy.golden.update")) {
            Path dir = Path.of(System.getProperty("basedir", "."), "src/test/resources/help");
            Files.createDirectories(dir);
            Files.writeString(dir.resolve(name), r.out());
            return;
        }
        try (InputStream in = HelpGoldenTest.class.getResourceAsStream("/help/" + name)) {
            assertThat(in).as("golden file help/" + name + " (generate with -Dstyxy.golden.update=true)")
                    .isNotNull();
            assertThat(r.out()).isEqualTo(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    @Test
    void everyCommandHasAGoldenFileAndNoStaleOnesAreLeft() throws IOException {
        Path dir = Path.of(System.getProperty("basedir", "."), "src/test/resources/help");
        if (!Files.isDirectory(dir)) {
            return; // running from somewhere else
        }
        List<String> expected = commands().map(HelpGoldenTest::fileName).sorted().toList();
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()).sorted().toList()).isEqualTo(expected);
        }
    }
}
