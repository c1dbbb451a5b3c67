package io.styxy.server.http;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/** Checks text exposition format 0.0.4 line by line, plus the histogram and counter rules. */
final class PrometheusText {

    private static final Pattern HELP = Pattern.compile("# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .*");
    private static final Pattern TYPE = Pattern.compile(
            "# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)");
    private static final Pattern SAMPLE = Pattern.compile(
            "([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{((?:[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\\\n]|\\\\[\\\\\"n])*\",?)*)\\})?"
                    + " (-?[0-9.eE+-]+|NaN|[+-]Inf)");

    private PrometheusText() {
    }

    static void assertValid(String text) {
        assertThat(text).endsWith("\n");
        Map<String, String> types = new HashMap<>();
        Set<String> helped = new HashSet<>();
        Map<String, Double> lastBucket = new HashMap<>();
        Map<String, Double> infBucket = new HashMap<>();
        Map<String, Double> counts = new HashMap<>();
        for (String line : text.split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            Matcher m;
            if ((m = HELP.matcher(line)).matches()) {
                assertThat(helped.add(m.group(1))).as("one HELP per family: " + line).isTrue();
                continue;
            }
            if ((m = TYPE.matcher(line)).matches()) {
                assertThat(types.put(m.group(1), m.group(2))).as("one TYPE per family: " + line).isNull();
                if (m.group(2).equals("counter")) {
                    assertThat(m.group(1)).endsWith("_total");
                }
                continue;
            }
            if (line.startsWith("#")) {
                fail("unexpected comment: " + line);
            }
            m = SAMPLE.matcher(line);
            if (!m.matches()) {
                fail("not a valid sample line: " + line);
            }
            String name = m.group(1);
            String labels = m.group(3) == null ? "" : m.group(3);
            double value = Double.parseDouble(m.group(4).replace("Inf", "Infinity"));
            String family = name.replaceFirst("_(bucket|sum|count)$", "");
            String type = types.containsKey(name) ? types.get(name) : types.get(family);
            assertThat(type).as("TYPE before samples of " + name).isNotNull();
            if (type.equals("histogram")) {
                String series = family + "{" + labels.replaceAll(",?le=\"[^\"]*\"", "") + "}";
                if (name.endsWith("_bucket")) {
                    assertThat(labels).contains("le=\"");
                    assertThat(value).as("cumulative buckets: " + line)
                            .isGreaterThanOrEqualTo(lastBucket.getOrDefault(series, 0.0));
                    lastBucket.put(series, value);
                    if (labels.contains("le=\"+Inf\"")) {
                        infBucket.put(series, value);
                    }
                } else if (name.endsWith("_count")) {
                    counts.put(series, value);
                }
            }
            if (type.equals("counter")) {
                assertThat(value).isGreaterThanOrEqualTo(0);
            }
        }
        assertThat(infBucket).isEqualTo(counts);
    }
}
