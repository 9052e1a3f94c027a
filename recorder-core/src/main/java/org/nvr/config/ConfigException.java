package org.nvr.config;

/**
 * A configuration that cannot be used: unreadable file, YAML syntax error, unknown key, bad value or
 * duplicate id. {@link #key()} names the offending key as a path ({@code sites[0].cameras[2].url},
 * {@code storage.retention.max_bytes}); it is empty when the problem is the file as a whole.
 *
 * <p>Messages never contain a credential: values that may carry one (URLs, anything substituted from
 * the environment) are not quoted, and everything passes through {@link UrlRedactor}.
 */
public final class ConfigException extends Exception {
    private static final long serialVersionUID = 1L;

    private final String key;
    private final String problem;

    public ConfigException(String key, String problem) {
        this(key, problem, null);
    }

    public ConfigException(String key, String problem, Throwable cause) {
        super(compose(key, problem), cause);
        this.key = key == null ? "" : key;
        this.problem = UrlRedactor.redact(problem);
    }

    /** The path of the offending key, or an empty string when the problem is not tied to one key. */
    public String key() {
        return key;
    }

    /** The problem without the key, e.g. {@code missing environment variable CAM01_PASS}. */
    public String problem() {
        return problem;
    }

    private static String compose(String key, String problem) {
        String text = key == null || key.isEmpty() ? problem : key + ": " + problem;
        return UrlRedactor.redact(text);
    }
}
