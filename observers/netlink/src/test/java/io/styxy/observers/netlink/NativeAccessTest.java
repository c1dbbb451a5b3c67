package io.styxy.observers.netlink;

import io.styxy.observers.support.Tools;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** In a JVM that denies native access to this module, the provider says so instead of crashing. */
class NativeAccessTest {

    private static String probe(String... jvmFlags) throws Exception {
        String modulePath = System.getProperty("jdk.module.path");
        assumeTrue(modulePath != null && !modulePath.isEmpty(), "tests do not run on the module path");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Path testClasses = Path.of(DenyProbe.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        List<String> cmd = new ArrayList<>(List.of(java.toString(), "-Xshare:auto", "-XX:TieredStopAtLevel=1"));
        cmd.addAll(List.of(jvmFlags));
        cmd.addAll(List.of("-p", modulePath,
                "--patch-module", NetlinkObserverProvider.MODULE + "=" + testClasses,
                "-m", NetlinkObserverProvider.MODULE + "/" + DenyProbe.class.getName()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    }

    @Test
    void deniedNativeAccessMakesItUnusableWithTheFlagToAdd() throws Exception {
        assumeTrue(Tools.isLinux());
        String out = probe("--illegal-native-access=deny");
        assertThat(out).contains("false|native access is denied")
                .contains("--enable-native-access=io.styxy.observers.netlink");
    }

    @Test
    void grantedNativeAccessIsUsableAndQuiet() throws Exception {
        assumeTrue(Tools.isLinux());
        String out = probe("--enable-native-access=" + NetlinkObserverProvider.MODULE);
        assertThat(out).startsWith("true|").doesNotContain("WARNING");
    }
}
