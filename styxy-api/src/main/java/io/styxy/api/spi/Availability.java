package io.styxy.api.spi;

import java.util.Objects;

/**
 * Whether a provider can work on this machine.
 *
 * @param usable whether it can
 * @param reason why not, or a short note on what it uses when it can
 */
public record Availability(boolean usable, String reason) {

    public Availability {
        Objects.requireNonNull(reason, "reason");
    }

    public static Availability usable(String note) {
        return new Availability(true, note);
    }

    public static Availability unusable(String reason) {
        return new Availability(false, reason);
    }
}
