package org.nvr.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class TransportSpecTest {

    @Test
    void parsesTheAlternativesClientsSend() {
        assertEquals(List.of(new TransportSpec(true, false, 0, 1)),
                TransportSpec.parse("RTP/AVP/TCP;unicast;interleaved=0-1"));
        assertEquals(List.of(new TransportSpec(false, false, 5000, 5001)),
                TransportSpec.parse("RTP/AVP/UDP;unicast;client_port=5000-5001"));
        assertEquals(List.of(new TransportSpec(false, true, -1, -1), new TransportSpec(true, false, 2, 3)),
                TransportSpec.parse("RTP/AVP;multicast, RTP/AVP/TCP;interleaved=2-3, RAW/RAW/UDP;unicast"));
        assertEquals(List.of(new TransportSpec(true, false, 4, 5)), TransportSpec.parse("rtp/avp/tcp;interleaved=4"));
        assertEquals(List.of(), TransportSpec.parse(null));
    }
}
