package org.nvr.config;

import java.util.Map;
import java.util.Optional;

import org.snakeyaml.engine.v2.api.ConstructNode;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.Tag;
import org.snakeyaml.engine.v2.resolver.ScalarResolver;
import org.snakeyaml.engine.v2.schema.Schema;

/**
 * Turns YAML text into plain {@code Map}/{@code List}/{@code String} values, rejecting duplicate keys.
 * Every scalar stays a string (an empty value, {@code ~} and {@code null} become {@code null}) so
 * that all typing happens in one place, by hand, after {@code ${NAME}} substitution; this also keeps
 * snakeyaml from resolving {@code ${...}} against the process environment itself. Syntax errors
 * become a {@link ConfigException} with line and column but without snakeyaml's source snippet, which
 * could show a credential. Stateless; safe from any thread.
 */
final class YamlReader {
    private YamlReader() {
    }

    /**
     * @param source file name for messages, or {@code null} for text not read from a file
     */
    static Object read(String text, String source) throws ConfigException {
        LoadSettings settings = LoadSettings.builder()
                .setAllowDuplicateKeys(false)
                .setSchema(new StringsSchema())
                .setLabel(source == null ? "config" : source)
                .build();
        String prefix = source == null ? "" : source + ": ";
        try {
            return new Load(settings).loadFromString(stripByteOrderMark(text));
        } catch (MarkedYamlEngineException e) {
            throw new ConfigException("", prefix + where(e) + describe(e));
        } catch (YamlEngineException e) {
            throw new ConfigException("", prefix + "invalid YAML: " + e.getMessage());
        }
    }

    private static String where(MarkedYamlEngineException e) {
        Optional<Mark> mark = e.getProblemMark().or(e::getContextMark);
        return mark.map(m -> "line " + (m.getLine() + 1) + ", column " + (m.getColumn() + 1) + ": ").orElse("");
    }

    private static String describe(MarkedYamlEngineException e) {
        String problem = e.getProblem();
        String context = e.getContext();
        if (problem == null || problem.isBlank()) {
            return context == null || context.isBlank() ? "invalid YAML" : context;
        }
        return context == null || context.isBlank() ? problem : problem + " (" + context + ")";
    }

    private static String stripByteOrderMark(String text) {
        return text.startsWith("\uFEFF") ? text.substring(1) : text;
    }

    /** Resolves every plain scalar to a string, except empty, {@code ~} and {@code null}. */
    private static final class StringsSchema implements Schema {
        @Override
        public ScalarResolver getScalarResolver() {
            return (value, implicit) -> implicit && (value.isEmpty() || value.equals("~") || value.equals("null"))
                    ? Tag.NULL : Tag.STR;
        }

        @Override
        public Map<Tag, ConstructNode> getSchemaTagConstructors() {
            return Map.of(Tag.NULL, node -> null);
        }
    }
}
