package org.nvr.rtsp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nvr.camera.FailureReason;
import org.nvr.camera.SourceException;

class RtspFailuresTest {

    @Test
    void statusCodesBecomeExactReasons() {
        assertEquals(FailureReason.AUTH, RtspFailures.forStatus("DESCRIBE", 401, "Unauthorized").reason());
        assertEquals(FailureReason.AUTH, RtspFailures.forStatus("DESCRIBE", 403, "Forbidden").reason());
        assertEquals(FailureReason.NOT_FOUND, RtspFailures.forStatus("DESCRIBE", 404, "Not Found").reason());
        assertEquals(FailureReason.NOT_FOUND, RtspFailures.forStatus("PLAY", 454, "Session Not Found").reason());
        assertEquals(FailureReason.PROTOCOL, RtspFailures.forStatus("DESCRIBE", 500, "Internal Server Error").reason());
        assertEquals(FailureReason.PROTOCOL, RtspFailures.forStatus("SETUP", 503, "Service Unavailable").reason());
        assertEquals(FailureReason.PROTOCOL, RtspFailures.forStatus("SETUP", 400, "").reason());
    }

    @Test
    void unsupportedTransportIsTransportRefused() {
        SourceException e = RtspFailures.forStatus("SETUP", 461, "Unsupported Transport");
        assertTrue(e.isTransportRefused());
        assertEquals(FailureReason.PROTOCOL, e.reason());
        assertFalse(RtspFailures.forStatus("SETUP", 400, "Bad Request").isTransportRefused());
        assertEquals("SETUP answered 461 Unsupported Transport: the camera refused the transport", e.getMessage());
    }

    @Test
    void junkInsteadOfRtspIsProtocolNotTimeout() {
        SourceException e = RtspFailures.notRtsp(512);
        assertEquals(FailureReason.PROTOCOL, e.reason());
        assertTrue(e.getMessage().contains("512 bytes"), e.getMessage());
    }
}
