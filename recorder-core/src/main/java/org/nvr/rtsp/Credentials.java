package org.nvr.rtsp;

import java.util.Objects;

/**
 * A camera's user name and password, already percent-decoded from the camera URL; any characters.
 * {@link #toString()} never shows the password. Immutable; any thread.
 */
public record Credentials(String user, String password) {

    public Credentials {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(password, "password");
    }

    @Override
    public String toString() {
        return "Credentials[user=" + user + ", password=***]";
    }
}
