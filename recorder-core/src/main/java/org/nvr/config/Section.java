package org.nvr.config;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * One YAML mapping of the configuration together with its key path ({@code sites[0].cameras[2]}),
 * giving typed, environment-substituted access to its values and turning every problem into a
 * {@link ConfigException} that names the exact key. A parser's error message quotes the whole value
 * it was given ({@code invalid size "5XB"}); when that value came from the environment, the raw
 * {@code ${NAME}} text is quoted instead, so an error never shows what a variable holds.
 * Immutable; used on the loading thread only.
 */
final class Section {
    private final String path;
    private final Map<?, ?> values;
    private final Map<String, String> env;

    private Section(String path, Map<?, ?> values, Map<String, String> env) {
        this.path = path;
        this.values = values;
        this.env = env;
    }

    /** The document root; {@code node} must be a mapping. */
    static Section root(Object node, Map<String, String> env) throws ConfigException {
        if (!(node instanceof Map<?, ?> map)) {
            throw new ConfigException("", node == null ? "the configuration is empty"
                    : "the configuration must be a mapping with the keys storage, metrics and sites");
        }
        return new Section("", map, env);
    }

    String path() {
        return path;
    }

    /** The full path of one of this section's keys. */
    String keyPath(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    /** Whether the key is written at all, even with an empty value. */
    boolean has(String key) {
        return values.containsKey(key);
    }

    /** Rejects any key not in {@code allowed}, naming it and listing what is expected. */
    Section allowOnly(String... allowed) throws ConfigException {
        List<String> known = Arrays.asList(allowed);
        for (Object key : values.keySet()) {
            if (!(key instanceof String name) || !known.contains(name)) {
                throw new ConfigException(keyPath(String.valueOf(key)),
                        "unknown key (expected " + String.join(", ", allowed) + ")");
            }
        }
        return this;
    }

    /** A scalar value after {@code ${NAME}} substitution; empty when the key is absent or null. */
    Optional<EnvSubstitution.Result> scalar(String key) throws ConfigException {
        Object value = values.get(key);
        if (value == null) {
            return Optional.empty();
        }
        if (!(value instanceof String text)) {
            throw new ConfigException(keyPath(key), "expected a single value, not a " + kind(value));
        }
        try {
            return Optional.of(EnvSubstitution.apply(text, env));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(keyPath(key), e.getMessage());
        }
    }

    Optional<String> string(String key) throws ConfigException {
        return scalar(key).map(EnvSubstitution.Result::value);
    }

    /** A string that must be present and not blank. */
    String requiredString(String key) throws ConfigException {
        String value = string(key).orElseThrow(() -> missing(key));
        if (value.isBlank()) {
            throw new ConfigException(keyPath(key), "must not be empty");
        }
        return value;
    }

    /** A value converted by {@code parser}, whose {@link IllegalArgumentException} becomes a ConfigException. */
    <T> Optional<T> value(String key, Function<String, T> parser) throws ConfigException {
        Optional<EnvSubstitution.Result> scalar = scalar(key);
        if (scalar.isEmpty()) {
            return Optional.empty();
        }
        EnvSubstitution.Result text = scalar.get();
        try {
            return Optional.of(parser.apply(text.value()));
        } catch (IllegalArgumentException e) {
            String message = String.valueOf(e.getMessage());
            if (text.substituted()) {
                // parsers quote their whole input; quote the ${NAME} text instead of what NAME holds
                message = message.replace("\"" + text.value() + "\"", "\"" + text.raw() + "\"");
            }
            throw new ConfigException(keyPath(key), message);
        }
    }

    <T> T value(String key, Function<String, T> parser, T defaultValue) throws ConfigException {
        return value(key, parser).orElse(defaultValue);
    }

    /** A nested mapping; empty when the key is absent or null. */
    Optional<Section> section(String key) throws ConfigException {
        Object value = values.get(key);
        if (value == null) {
            return Optional.empty();
        }
        if (!(value instanceof Map<?, ?> map)) {
            throw new ConfigException(keyPath(key), "expected a mapping, not a " + kind(value));
        }
        return Optional.of(new Section(keyPath(key), map, env));
    }

    Section requiredSection(String key) throws ConfigException {
        return section(key).orElseThrow(() -> missing(key));
    }

    /** A list of mappings, each with its indexed path ({@code cameras[2]}); empty when absent or null. */
    List<Section> sections(String key) throws ConfigException {
        Object value = values.get(key);
        if (value == null) {
            return List.of();
        }
        if (!(value instanceof List<?> list)) {
            throw new ConfigException(keyPath(key), "expected a list, not a " + kind(value));
        }
        List<Section> result = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            String itemPath = keyPath(key) + "[" + i + "]";
            if (!(list.get(i) instanceof Map<?, ?> map)) {
                throw new ConfigException(itemPath, "expected a mapping, not a " + kind(list.get(i)));
            }
            result.add(new Section(itemPath, map, env));
        }
        return result;
    }

    /** The raw YAML value of a key (a list of scalars, say), without substitution; null when absent. */
    Object rawList(String key) {
        return values.get(key);
    }

    ConfigException missing(String key) {
        return new ConfigException(keyPath(key), "missing (required)");
    }

    private static String kind(Object value) {
        if (value instanceof Map) {
            return "mapping";
        }
        if (value instanceof List) {
            return "list";
        }
        return value == null ? "null value" : "single value";
    }
}
