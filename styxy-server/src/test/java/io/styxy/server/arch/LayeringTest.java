package io.styxy.server.arch;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.Test;

import java.util.List;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The daemon's shape, enforced: a pure engine, adapters that do not know each other, no package cycles.
 * Each rule also runs once on code that breaks it, to prove it bites.
 */
class LayeringTest {

    private static final String ROOT = "io.styxy.server";
    /** Adapters: each a room of its own around the engine. */
    private static final List<String> ADAPTERS = List.of("http", "unix", "store", "os", "observe", "plugins");

    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages(ROOT);

    static ArchRule engineIsPureDomain() {
        return noClasses().that().resideInAPackage(ROOT + ".engine..")
                .should().dependOnClassesThat().resideInAnyPackage(
                        "io.helidon..", "com.fasterxml.jackson..", "picocli..", "java.sql..", "org.sqlite..",
                        "java.net.http..", "java.nio.file..", ROOT + ".http..", ROOT + ".unix..", ROOT + ".store..",
                        ROOT + ".os..", ROOT + ".observe..", ROOT + ".plugins..", ROOT + ".config..",
                        ROOT + ".audit..", ROOT + ".json..", ROOT + ".daemon..")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("java.io.File")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("java.io.FileInputStream")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("java.io.FileOutputStream")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("java.io.RandomAccessFile")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("java.nio.channels.FileChannel")
                .because("the engine talks to the world only through its own small interfaces");
    }

    static ArchRule adapterDoesNotUseOtherAdapters(String adapter) {
        String[] others = ADAPTERS.stream().filter(a -> !a.equals(adapter)).map(a -> ROOT + "." + a + "..")
                .toArray(String[]::new);
        return noClasses().that().resideInAPackage(ROOT + "." + adapter + "..")
                .should().dependOnClassesThat().resideInAnyPackage(others)
                .orShould().dependOnClassesThat().resideInAPackage(ROOT + ".daemon..")
                .because("adapters meet only in the engine; the daemon package wires them")
                .allowEmptyShould(true); // an adapter package may not exist yet
    }

    static ArchRule noCycles() {
        return slices().matching(ROOT + ".(*)..").should().beFreeOfCycles();
    }

    @Test
    void theEngineKnowsNothingOfHttpJsonCliSqlOrFiles() {
        engineIsPureDomain().check(MAIN);
    }

    @Test
    void adaptersDoNotDependOnEachOther() {
        for (String adapter : ADAPTERS) {
            adapterDoesNotUseOtherAdapters(adapter).check(MAIN);
        }
    }

    @Test
    void packagesFormNoCycles() {
        noCycles().check(MAIN);
    }

    @Test
    void theRulesBite() {
        // The HTTP adapter uses Helidon and Jackson: held to the engine's rule, it must fail.
        JavaClasses http = new ClassFileImporter().importPackages(ROOT + ".http");
        ArchRule engineRuleOnHttp = noClasses().that().resideInAPackage(ROOT + ".http..")
                .should().dependOnClassesThat().resideInAnyPackage("io.helidon..", "com.fasterxml.jackson..");
        assertThatThrownBy(() -> engineRuleOnHttp.check(http)).isInstanceOf(AssertionError.class)
                .hasMessageContaining("io.helidon");
        // The daemon package uses every adapter: held to the adapter rule, it must fail.
        JavaClasses daemon = new ClassFileImporter().importPackages(ROOT + ".daemon");
        ArchRule adapterRuleOnDaemon = noClasses().that().resideInAPackage(ROOT + ".daemon..")
                .should().dependOnClassesThat().resideInAnyPackage(ROOT + ".store..");
        assertThatThrownBy(() -> adapterRuleOnDaemon.check(daemon)).isInstanceOf(AssertionError.class);
        // A cycle made on purpose in test fixtures is found.
        JavaClasses cyclic = new ClassFileImporter().importPackages("io.styxy.server.arch.cycle");
        assertThatThrownBy(() -> slices().matching("io.styxy.server.arch.cycle.(*)..").should().beFreeOfCycles()
                .check(cyclic)).isInstanceOf(AssertionError.class).hasMessageContaining("Cycle");
    }
}
