package io.styxy.server.config;

/** The user configuration is wrong; the message names the file, the key and the fix. */
public class ConfigException extends Exception {

    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
        super(message);
    }
}
