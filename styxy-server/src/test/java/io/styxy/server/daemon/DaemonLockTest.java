package io.styxy.server.daemon;

import io.styxy.server.config.ReadOnlyCheck;
import io.styxy.server.config.StateDir;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** One daemon per state directory, also when the directory is read-only and cannot take a lock file. */
class DaemonLockTest {

    private static final ReadOnlyCheck READ_ONLY = dir -> "read-only file system";

    @TempDir
    Path tmp;

    @Test
    void aWritableHomeIsLockedByItsDaemonLock() throws IOException {
        StateDir state = StateDir.open(tmp.resolve("home"), ReadOnlyCheck.NEVER);
        try (DaemonLock lock = DaemonLock.tryAcquire(state)) {
            assertThat(lock).isNotNull();
            assertThat(lock.file()).isEqualTo(state.lockFile());
            assertThat(DaemonLock.tryAcquire(state)).as("a second daemon").isNull();
        }
        try (DaemonLock again = DaemonLock.tryAcquire(state)) {
            assertThat(again).as("free once released").isNotNull();
        }
    }

    @Test
    void aReadOnlyHomeIsLockedInTheRuntimeDirectoryAndNothingIsWrittenInIt() throws IOException {
        Path home = Files.createDirectory(tmp.resolve("home"));
        StateDir state = StateDir.open(home, READ_ONLY);
        try (DaemonLock lock = DaemonLock.tryAcquire(state)) {
            assertThat(lock).isNotNull();
            assertThat(lock.file()).isEqualTo(state.runtimeLockFile());
            assertThat(home.resolve("daemon.lock")).doesNotExist();
            assertThat(DaemonLock.tryAcquire(state)).as("a second read-only daemon").isNull();
            // Another spelling of the same directory is the same directory.
            Path link = Files.createSymbolicLink(tmp.resolve("link"), home);
            assertThat(DaemonLock.tryAcquire(StateDir.open(link, READ_ONLY))).isNull();
        } finally {
            Files.deleteIfExists(state.runtimeLockFile());
        }
        assertThat(home.resolve("daemon.lock")).doesNotExist();
    }

    @Test
    void aDaemonStillHoldingDaemonLockKeepsAReadOnlyOneOut() throws IOException {
        Path home = tmp.resolve("home");
        StateDir writable = StateDir.open(home, ReadOnlyCheck.NEVER);
        StateDir readOnly = StateDir.open(home, READ_ONLY);
        try {
            try (DaemonLock running = DaemonLock.tryAcquire(writable)) {
                assertThat(running).isNotNull();
                assertThat(DaemonLock.tryAcquire(readOnly)).isNull();
            }
            try (DaemonLock ro = DaemonLock.tryAcquire(readOnly)) {
                assertThat(ro).as("once it stopped").isNotNull();
                assertThat(DaemonLock.tryAcquire(writable)).as("and the other way round").isNull();
            }
        } finally {
            Files.deleteIfExists(readOnly.runtimeLockFile());
        }
    }
}
