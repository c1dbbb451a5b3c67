package com.example.styxy.listenersfile;

import io.styxy.api.Listener;
import io.styxy.api.spi.ObserverException;
import io.styxy.api.spi.PortObserver;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.List;

/**
 * Reports the listeners of one file. The file is read again only when its modification time or size changes, so a
 * scan costs one {@code stat} while the file stays the same; an edit is seen at the next scan.
 */
final class ListenersFileObserver implements PortObserver {

    private record Snapshot(FileTime modified, long size, Object fileKey, List<Listener> listeners) {
    }

    private final Path file;
    private volatile Snapshot snapshot;

    /** @param file the listeners file, or {@code null} when the option is not set */
    ListenersFileObserver(Path file) {
        this.file = file;
    }

    @Override
    public List<Listener> listeners() throws ObserverException {
        if (file == null) {
            throw new ObserverException("the listeners-file observer has no file: set observers."
                    + ListenersFileObserverProvider.NAME + ".file in config.json to the file that declares the ports");
        }
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            throw new ObserverException(file + ": no such file; create it (one \"tcp 5432\" per line) or fix"
                    + " observers." + ListenersFileObserverProvider.NAME + ".file");
        } catch (IOException e) {
            throw new ObserverException(file + ": cannot be read (" + e.getMessage() + ")", e);
        }
        Snapshot seen = snapshot;
        if (seen != null && seen.modified().equals(attributes.lastModifiedTime()) && seen.size() == attributes.size()
                && java.util.Objects.equals(seen.fileKey(), attributes.fileKey())) {
            return seen.listeners();
        }
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new ObserverException(file + ": cannot be read (" + e.getMessage() + ")", e);
        }
        List<Listener> listeners = ListenersFile.parse(text, file.toString());
        snapshot = new Snapshot(attributes.lastModifiedTime(), attributes.size(), attributes.fileKey(), listeners);
        return listeners;
    }
}
