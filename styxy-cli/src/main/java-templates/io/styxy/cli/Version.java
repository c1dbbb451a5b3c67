package io.styxy.cli;

/** The client's version, set at build time from the project version. */
final class Version {
    static final String CLI = "@project.version@";

    private Version() {
    }
}
