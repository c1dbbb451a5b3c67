package io.styxy.server.http;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/** The routes this adapter serves, so an unknown method on a known path answers 405 with {@code Allow}. */
final class RouteTable {

    private record Entry(String method, String template, Pattern pattern) {
    }

    private final List<Entry> entries = new ArrayList<>();

    void add(String method, String template) {
        StringBuilder regex = new StringBuilder();
        for (String part : template.substring(1).split("/", -1)) {
            regex.append('/');
            regex.append(part.startsWith("{") && part.endsWith("}") ? "[^/]+" : Pattern.quote(part));
        }
        entries.add(new Entry(method, template, Pattern.compile(regex.toString())));
    }

    Set<String> methodsFor(String path) {
        Set<String> methods = new LinkedHashSet<>();
        for (Entry e : entries) {
            if (e.pattern().matcher(path).matches()) {
                methods.add(e.method());
            }
        }
        return methods;
    }

    List<String> describe() {
        return entries.stream().map(e -> e.method() + " " + e.template()).toList();
    }
}
