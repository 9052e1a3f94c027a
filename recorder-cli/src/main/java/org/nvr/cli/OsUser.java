package org.nvr.cli;

/** Who is at the terminal, for the audit log: the login behind {@code sudo} when there is one. */
final class OsUser {
    private OsUser() {
    }

    static String name() {
        String user = System.getProperty("user.name", "unknown");
        String sudo = System.getenv("SUDO_USER");
        return sudo != null && !sudo.isBlank() && !sudo.equals(user) ? sudo + " (sudo as " + user + ")" : user;
    }
}
