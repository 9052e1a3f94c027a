package org.nvr.metrics;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses Prometheus text exposition just enough for assertions. */
final class Exposition {
    private static final Pattern SAMPLE = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})? (\\S+)");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\",?");
    private static final Pattern TYPE = Pattern.compile("# TYPE (\\S+) (\\S+)");

    record Sample(String name, Map<String, String> labels, double value) {
    }

    private Exposition() {
    }

    static List<Sample> samples(String text) {
        return text.lines().filter(line -> !line.startsWith("#") && !line.isBlank()).map(line -> {
            Matcher m = SAMPLE.matcher(line);
            if (!m.matches()) {
                throw new AssertionError("not a sample line: " + line);
            }
            Map<String, String> labels = new LinkedHashMap<>();
            if (m.group(2) != null) {
                Matcher l = LABEL.matcher(m.group(2));
                int end = 0;
                while (l.find()) {
                    if (l.start() != end) {
                        throw new AssertionError("bad labels: " + line);
                    }
                    labels.put(l.group(1), l.group(2));
                    end = l.end();
                }
                if (end != m.group(2).length()) {
                    throw new AssertionError("bad labels: " + line);
                }
            }
            return new Sample(m.group(1), labels, Double.parseDouble(m.group(3)));
        }).toList();
    }

    /** Metric name to type, from the {@code # TYPE} lines. */
    static Map<String, String> types(String text) {
        Map<String, String> types = new LinkedHashMap<>();
        text.lines().map(TYPE::matcher).filter(Matcher::matches).forEach(m -> types.put(m.group(1), m.group(2)));
        return types;
    }

    static double value(String text, String name, Map<String, String> labels) {
        return samples(text).stream()
                .filter(s -> s.name().equals(name) && s.labels().equals(labels))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no sample " + name + labels + " in\n" + text))
                .value();
    }
}
