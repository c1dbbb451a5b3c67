package io.styxy.server.config;

import io.styxy.server.testing.ReadOnlyMounts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The state directory when it is read-only: found as the kernel says it, opened untouched, the token required. */
class StateDirReadOnlyTest {

    private static final ReadOnlyCheck READ_ONLY = dir -> "read-only file system";
    private static final String TOKEN = "ab".repeat(32);

    @TempDir
    Path tmp;

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> list = Files.list(dir)) {
            return list.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aWritableDirectoryIsMadeAndTightenedAsBefore() throws IOException {
        Path home = tmp.resolve("home");
        StateDir state = StateDir.open(home, ReadOnlyCheck.NEVER);
        assertThat(state.readOnly()).isFalse();
        assertThat(state.readOnlyMessage()).isNull();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(home))).isEqualTo("rwx------");
        assertThat(names(home)).containsExactly("config-backups", "logs", "plugins");
        assertThat(state.token()).hasSize(64);
    }

    @Test
    void aReadOnlyDirectoryIsOpenedAsItIsAndItsTokenReused() throws IOException {
        Path home = Files.createDirectory(tmp.resolve("home"));
        Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(home.resolve("auth.token"), TOKEN + "\n");
        Files.setPosixFilePermissions(home.resolve("auth.token"), PosixFilePermissions.fromString("rw-r--r--"));

        StateDir state = StateDir.open(home, READ_ONLY);
        assertThat(state.readOnly()).isTrue();
        assertThat(state.readOnlyMessage()).isEqualTo("STYXY_HOME " + home + " is read-only (read-only file system):"
                + " remount it read-write or point STYXY_HOME at a writable directory, then restart the daemon");
        assertThat(state.token()).isEqualTo(TOKEN);
        // Nothing made, nothing chmodded.
        assertThat(names(home)).containsExactly("auth.token");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(home))).isEqualTo("rwxr-xr-x");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(home.resolve("auth.token"))))
                .isEqualTo("rw-r--r--");
    }

    @Test
    void aReadOnlyDirectoryWithoutATokenIsAClearStartFailure() throws IOException {
        Path home = Files.createDirectory(tmp.resolve("home"));
        StateDir state = StateDir.open(home, READ_ONLY);
        assertThatThrownBy(state::token).isInstanceOf(IOException.class)
                .hasMessageContaining("STYXY_HOME " + home + " is read-only")
                .hasMessageContaining("no usable auth.token, so no client could authenticate");
        Files.writeString(home.resolve("auth.token"), "short\n");
        assertThatThrownBy(state::token).hasMessageContaining("no usable auth.token");
        assertThat(names(home)).containsExactly("auth.token");
    }

    @Test
    void aDirectoryThatTurnsReadOnlyLaterIsFoundByLookingAgain() throws IOException {
        Path home = tmp.resolve("home");
        boolean[] readOnly = {false};
        StateDir state = StateDir.open(home, dir -> readOnly[0] ? "read-only file system" : null);
        assertThat(state.readOnlyNow()).isNull();
        readOnly[0] = true;
        assertThat(state.readOnlyNow()).startsWith("STYXY_HOME " + home + " is read-only");
        assertThat(state.readOnly()).as("the mode chosen at open").isFalse();
    }

    @Test
    void theRuntimeFilesAreNamedByTheRealPathInAPrivateDirectory() throws IOException {
        Path home = Files.createDirectory(tmp.resolve("home"));
        Path link = Files.createSymbolicLink(tmp.resolve("link"), home);
        assertThat(StateDir.runtimeKey(link)).isEqualTo(StateDir.runtimeKey(home)).hasSize(16).matches("[0-9a-f]+");
        assertThat(StateDir.runtimeKey(tmp)).isNotEqualTo(StateDir.runtimeKey(home));
        StateDir state = StateDir.open(link, READ_ONLY);
        Path dir = StateDir.runtimeDir();
        assertThat(dir.getFileName().toString()).isEqualTo("styxy-" + System.getProperty("user.name"));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).isEqualTo("rwx------");
        assertThat(state.runtimeLockFile()).isEqualTo(dir.resolve(StateDir.runtimeKey(home) + ".lock"));
        assertThat(state.runtimeDaemonInfo()).isEqualTo(dir.resolve(StateDir.runtimeKey(home) + ".json"));
    }

    /** The same SHA-256 prefix the CLI computes (DaemonFilesTest holds the same pair). */
    @Test
    void theRuntimeKeyIsTheFirst16HexDigitsOfTheSha256OfTheRealPath() throws IOException {
        assertThat(StateDir.runtimeKey(Path.of("/"))).isEqualTo("8a5edab282632443");
    }

    // ------------------------------------------------------------------ the real check

    @Test
    void aWritableDirectoryIsNotReadOnlyAndTheProbeLeavesNothing() throws IOException {
        assertThat(ReadOnlyCheck.FILE_SYSTEM.readOnly(tmp)).isNull();
        assertThat(names(tmp)).isEmpty();
        assertThat(ReadOnlyCheck.FILE_SYSTEM.readOnly(tmp.resolve("missing"))).isNull();
    }

    @Test
    void permissionBitsAloneDoNotMakeADirectoryReadOnly() throws IOException {
        Path dir = Files.createDirectory(tmp.resolve("r-x"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("r-xr-xr-x"));
        try {
            // Root writes it anyway; anyone else gets EACCES, which is not a read-only file system either.
            assertThat(ReadOnlyCheck.FILE_SYSTEM.readOnly(dir)).isNull();
        } finally {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        }
    }

    @Test
    void aReadOnlyBindMountIsFoundAndOpenedUntouched() throws IOException {
        String why = ReadOnlyMounts.unavailable();
        assumeTrue(why == null, () -> "needs a real read-only mount: " + why);
        Path home = Files.createDirectory(tmp.resolve("home"));
        Files.writeString(home.resolve("auth.token"), TOKEN + "\n");
        try (ReadOnlyMounts mounts = new ReadOnlyMounts()) {
            mounts.bindReadOnly(home);
            assertThat(ReadOnlyCheck.FILE_SYSTEM.readOnly(home)).isEqualTo("read-only file system");
            assertThat(ReadOnlyCheck.Probe.mountedReadOnly(home)).isTrue();
            StateDir state = StateDir.open(home);
            assertThat(state.readOnly()).isTrue();
            assertThat(state.token()).isEqualTo(TOKEN);
            assertThat(names(home)).containsExactly("auth.token");
            assertThatThrownBy(() -> StateDir.open(home.resolve("not-there")))
                    .hasMessageContaining("does not exist and cannot be created there (read-only file system)");
        }
    }

    @Test
    void mountinfoIsReadForTheMountHoldingTheDirectory() {
        List<String> mountinfo = List.of(
                "22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw",
                "40 22 0:50 / /srv/data rw,relatime - ext4 /dev/loop0 rw,errors=remount-ro,emergency_ro",
                "41 22 0:51 / /srv/ro ro,relatime - tmpfs tmpfs ro,size=1024k",
                "42 22 0:52 / /srv/with\\040space rw,relatime - tmpfs tmpfs rw",
                "43 41 0:53 / /srv/ro/inner rw,relatime - tmpfs tmpfs rw");
        assertThat(ReadOnlyCheck.Probe.mountedReadOnly("/home/u/.styxy", mountinfo)).isFalse();
        assertThat(ReadOnlyCheck.Probe.mountedReadOnly("/srv/data/styxy", mountinfo)).as("kernel after an error")
                .isTrue();
        assertThat(ReadOnlyCheck.Probe.mountedReadOnly("/srv/ro", mountinfo)).isTrue();
        assertThat(ReadOnlyCheck.Probe.mountedReadOnly("/srv/ro/inner/x", mountinfo)).as("a rw mount inside")
                .isFalse();
        assertThat(ReadOnlyCheck.Probe.mountedReadOnly("/srv/robot", mountinfo)).as("not a path prefix").isFalse();
        assertThat(ReadOnlyCheck.Probe.mountedReadOnly("/srv/with space/x", mountinfo)).isFalse();
    }
}
