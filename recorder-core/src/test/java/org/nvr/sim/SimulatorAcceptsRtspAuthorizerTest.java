package org.nvr.sim;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nvr.rtsp.AuthChallenge;
import org.nvr.rtsp.Credentials;
import org.nvr.rtsp.RtspAuthorizer;
import org.nvr.testing.UserInfoPasswords;

/**
 * The client side of authentication ({@link RtspAuthorizer}) against the simulator's server side
 * ({@link RtspAuthenticator}), which verifies Basic and Digest independently, with every password
 * character a camera URL can carry.
 */
class SimulatorAcceptsRtspAuthorizerTest {

    @ParameterizedTest
    @EnumSource(AuthScheme.class)
    void everyLegalPasswordCharacterIsAccepted(AuthScheme scheme) {
        for (UserInfoPasswords.Password password : UserInfoPasswords.all()) {
            RtspAuthenticator server = new RtspAuthenticator("admin", password.value(), scheme);
            RtspAuthorizer client = new RtspAuthorizer(new Credentials("admin", password.value()));
            assertTrue(client.challenge(AuthChallenge.parseAll(List.of(server.challenge()))), server.challenge());
            String uri = "rtsp://127.0.0.1:8554/cam-01";
            String describe = client.authorization("DESCRIBE", uri).orElseThrow();
            assertTrue(server.accepts("DESCRIBE", describe), scheme + " with " + password.inUrl());
            assertTrue(server.accepts("SETUP", client.authorization("SETUP", uri + "/trackID=0").orElseThrow()));
        }
    }

    @ParameterizedTest
    @EnumSource(AuthScheme.class)
    void aWrongPasswordIsRefused(AuthScheme scheme) {
        RtspAuthenticator server = new RtspAuthenticator("admin", "right-password", scheme);
        RtspAuthorizer client = new RtspAuthorizer(new Credentials("admin", "wrong-password"));
        client.challenge(AuthChallenge.parseAll(List.of(server.challenge())));
        assertFalse(server.accepts("DESCRIBE", client.authorization("DESCRIBE", "rtsp://127.0.0.1/cam").orElseThrow()));
    }
}
