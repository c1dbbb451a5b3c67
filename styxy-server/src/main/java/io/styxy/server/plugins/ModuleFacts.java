package io.styxy.server.plugins;

import java.io.IOException;
import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleReader;
import java.lang.module.ModuleReference;
import java.lang.module.ResolvedModule;
import java.net.URI;
import java.nio.file.Path;
import java.util.Optional;
import java.util.jar.Attributes;
import java.util.jar.Manifest;

/** What a module says about itself: its version, its jar, its manifest attributes. */
final class ModuleFacts {

    private ModuleFacts() {
    }

    /**
     * The version of a module: for an explicit module the descriptor's version, else the jar's
     * {@code Implementation-Version}; for an automatic module the other way round (its descriptor version is only
     * guessed from the file name). {@code null} when neither is known.
     */
    static String version(ModuleReference ref) {
        ModuleDescriptor d = ref.descriptor();
        String fromDescriptor = d.rawVersion().orElse(null);
        String fromManifest = attribute(ref, "Implementation-Version");
        return d.isAutomatic() ? firstNonBlank(fromManifest, fromDescriptor)
                : firstNonBlank(fromDescriptor, fromManifest);
    }

    /** The version of a run-time module, or of the package of {@code type} when it is on the class path. */
    static String version(Class<?> type) {
        Module module = type.getModule();
        Optional<ModuleReference> ref = reference(module);
        if (ref.isPresent()) {
            return version(ref.get());
        }
        Package pkg = type.getPackage();
        return pkg == null ? null : firstNonBlank(pkg.getImplementationVersion(), null);
    }

    /** The module's name, or {@code null} for the class path. */
    static String moduleName(Class<?> type) {
        return type.getModule().isNamed() ? type.getModule().getName() : null;
    }

    static Optional<ModuleReference> reference(Module module) {
        if (!module.isNamed() || module.getLayer() == null) {
            return Optional.empty();
        }
        return module.getLayer().configuration().findModule(module.getName()).map(ResolvedModule::reference);
    }

    /** Where the module was read from, as a path when it is a file. */
    static String location(ModuleReference ref) {
        Optional<URI> uri = ref.location();
        if (uri.isEmpty()) {
            return null;
        }
        if ("file".equals(uri.get().getScheme())) {
            return Path.of(uri.get()).toString();
        }
        return uri.get().toString();
    }

    /** A main attribute of the module's {@code META-INF/MANIFEST.MF}, or {@code null}. */
    static String attribute(ModuleReference ref, String name) {
        Manifest manifest = manifest(ref);
        if (manifest == null) {
            return null;
        }
        String value = manifest.getMainAttributes().getValue(new Attributes.Name(name));
        return value == null ? null : value.trim();
    }

    private static Manifest manifest(ModuleReference ref) {
        try (ModuleReader reader = ref.open()) {
            Optional<InputStream> in = reader.open("META-INF/MANIFEST.MF");
            if (in.isEmpty()) {
                return null;
            }
            try (InputStream stream = in.get()) {
                return new Manifest(stream);
            }
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static String firstNonBlank(String a, String b) {
        if (a != null && !a.isBlank()) {
            return a.trim();
        }
        return b == null || b.isBlank() ? null : b.trim();
    }
}
