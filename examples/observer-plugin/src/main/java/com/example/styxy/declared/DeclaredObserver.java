package com.example.styxy.declared;

import io.styxy.api.Listener;
import io.styxy.api.spi.ObserverException;
import io.styxy.api.spi.PortObserver;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The kernel's listeners from {@code /proc/net}, then the declared ones. The declarations file is read again only
 * when its modification time, size or identity changes, so a scan costs one {@code stat} for it while it stays the
 * same; an edit is seen at the next scan.
 */
final class DeclaredObserver implements PortObserver {

    private record Declared(FileTime modified, long size, Object fileKey, List<Listener> listeners) {
    }

    private final Path proc;
    private final Path file;
    private final boolean fileRequired;
    private volatile Declared declared;

    /**
     * @param proc         the proc file system, {@code /proc}
     * @param file         the declarations file
     * @param fileRequired whether a missing file is an error (it was named in the config) or means "none"
     */
    DeclaredObserver(Path proc, Path file, boolean fileRequired) {
        this.proc = proc;
        this.file = file;
        this.fileRequired = fileRequired;
    }

    @Override
    public List<Listener> listeners() throws ObserverException {
        List<Listener> all = new ArrayList<>(ProcNet.listeners(proc.resolve("net")));
        all.addAll(declared());
        return all;
    }

    /** What the file declares, read again only when it changed. */
    List<Listener> declared() throws ObserverException {
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            if (!fileRequired) {
                return List.of();
            }
            throw new ObserverException(file + ": no such file; create it (one \"tcp 5432\" a line) or fix"
                    + " observers." + DeclaredObserverProvider.NAME + ".file in config.json");
        } catch (IOException e) {
            throw new ObserverException(file + ": cannot be read (" + e.getMessage() + ")", e);
        }
        Declared seen = declared;
        if (seen != null && seen.modified().equals(attributes.lastModifiedTime()) && seen.size() == attributes.size()
                && Objects.equals(seen.fileKey(), attributes.fileKey())) {
            return seen.listeners();
        }
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new ObserverException(file + ": cannot be read (" + e.getMessage() + ")", e);
        }
        List<Listener> listeners = DeclaredPorts.parse(text, file.toString());
        declared = new Declared(attributes.lastModifiedTime(), attributes.size(), attributes.fileKey(), listeners);
        return listeners;
    }
}
