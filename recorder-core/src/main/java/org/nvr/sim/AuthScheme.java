package org.nvr.sim;

/** How a simulated camera challenges clients: RFC 7617 Basic or RFC 2617 Digest (MD5, no qop). */
public enum AuthScheme {
    BASIC,
    DIGEST
}
