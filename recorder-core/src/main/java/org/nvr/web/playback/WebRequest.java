package org.nvr.web.playback;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the footage routes need of a request the web handler has already authenticated and authorized:
 * the method, path, query, headers, body, the user's name and the client's address.
 */
public record WebRequest(HttpMethod method, String path, Map<String, List<String>> query, HttpHeaders headers,
                         String body, boolean keepAlive, InetAddress client, String user) {
    boolean head() {
        return method.equals(HttpMethod.HEAD);
    }

    Optional<String> param(String name) {
        List<String> values = query.get(name);
        return values == null || values.isEmpty() || values.get(0).isBlank()
                ? Optional.empty() : Optional.of(values.get(0));
    }

    String where() {
        return "web client " + client.getHostAddress();
    }
}
