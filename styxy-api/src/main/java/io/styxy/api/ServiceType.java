package io.styxy.api;

import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A kind of service (frontend dev server, API backend, database, …) and the ports reserved for it.
 *
 * @param name            lower-case name such as {@code dev}; letters, digits and dashes, at most 50 characters
 * @param description     one line for people
 * @param range           every port this type may be given
 * @param preferredPorts  ports tried first, in order; each inside {@code range}
 * @param instanceBehavior {@link InstanceBehavior#SINGLE} for a singleton type
 * @param examples        example programs of this type, for people
 */
public record ServiceType(String name, String description, PortRange range, List<Integer> preferredPorts,
                          InstanceBehavior instanceBehavior, List<String> examples) {

    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9-]{0,49}");

    public ServiceType {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(range, "range");
        if (!isValidName(name)) {
            throw new IllegalArgumentException("service type name must be letters, digits and dashes"
                    + " (at most 50 characters), got \"" + name + "\"");
        }
        description = description == null ? "" : description;
        preferredPorts = List.copyOf(preferredPorts == null ? List.of() : preferredPorts);
        for (int port : preferredPorts) {
            if (!range.contains(port)) {
                throw new IllegalArgumentException("preferred port " + port + " of service type \"" + name
                        + "\" is outside its range " + range);
            }
        }
        instanceBehavior = instanceBehavior == null ? InstanceBehavior.MULTI : instanceBehavior;
        examples = List.copyOf(examples == null ? List.of() : examples);
    }

    /** Whether {@code name} is acceptable as a service type name. */
    public static boolean isValidName(String name) {
        return name != null && NAME.matcher(name).matches();
    }

    public boolean isSingleton() {
        return instanceBehavior == InstanceBehavior.SINGLE;
    }
}
