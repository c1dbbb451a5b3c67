package io.styxy.observers.support;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;

import static org.assertj.core.api.Assertions.assertThat;

class UsersAndProcessFactsTest {

    @Test
    void passwdParsing(@TempDir Path dir) throws Exception {
        Path passwd = dir.resolve("passwd");
        Files.writeString(passwd, """
                # comment
                root:x:0:0:root:/root:/bin/bash
                nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
                +nis::::::
                broken line
                dev:x:1000:1000::/home/dev:/bin/bash
                """);
        Users users = Users.from(passwd);
        assertThat(users.name(0)).isEqualTo("root");
        assertThat(users.name(65534)).isEqualTo("nobody");
        assertThat(users.name(1000)).isEqualTo("dev");
        assertThat(users.name(4242)).isEqualTo("4242");
        assertThat(users.name(-1)).isEmpty();
    }

    @Test
    void missingPasswdGivesNumbers(@TempDir Path dir) {
        assertThat(Users.from(dir.resolve("none")).name(0)).isEqualTo("0");
    }

    @Test
    void reloadsAChangedFile(@TempDir Path dir) throws Exception {
        Path passwd = dir.resolve("passwd");
        Files.writeString(passwd, "a:x:1:1::/:/bin/sh\n");
        Users users = Users.from(passwd);
        assertThat(users.name(1)).isEqualTo("a");
        Files.writeString(passwd, "b:x:1:1::/:/bin/sh\n");
        Files.setLastModifiedTime(passwd, FileTime.fromMillis(System.currentTimeMillis() + 5_000));
        Thread.sleep(1_100);
        assertThat(users.name(1)).isEqualTo("b");
    }

    @Test
    void statFieldsSurviveOddProcessNames() {
        String stat = "4242 (my (odd) name) S 1 4242 4242 0 -1 4194560 1234 0 0 0 7 3 0 0 20 0 1 0 987654 "
                + "12345678 900 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0";
        assertThat(ProcessFacts.startTimeFromStat(stat)).isEqualTo(987654L);
        assertThat(ProcessFacts.nameFromStat(stat)).isEqualTo("my (odd) name");
    }

    @Test
    void readsThisProcess() {
        long pid = ProcessHandle.current().pid();
        ProcessFacts self = ProcessFacts.read(Path.of("/proc"), pid).orElseThrow();
        assertThat(self.pid()).isEqualTo(pid);
        assertThat(self.commandLine()).contains("java");
        assertThat(self.cwd()).isEqualTo(Path.of("").toAbsolutePath().toString());
        assertThat(self.startTime()).isPositive().isEqualTo(ProcessFacts.startTime(Path.of("/proc"), pid));
        assertThat(ProcessFacts.read(Path.of("/proc"), Integer.MAX_VALUE)).isEmpty();
    }
}
