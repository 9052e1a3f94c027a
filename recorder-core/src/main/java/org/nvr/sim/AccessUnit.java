package org.nvr.sim;

import java.util.List;

/**
 * One encoded picture of a {@link SyntheticClip}: its NAL units without start codes, in decoding
 * order (an access unit delimiter, if any, first), and whether it is an IDR picture. Parameter sets are not included; whoever sends a keyframe
 * sends the clip's SPS and PPS before it.
 *
 * <p>Immutable by convention: the arrays are shared by every session that streams the clip and
 * nobody writes to them after {@link SyntheticClip} has built them.
 */
record AccessUnit(boolean keyframe, List<byte[]> nalUnits) {

    AccessUnit {
        nalUnits = List.copyOf(nalUnits);
    }

    /** Whether the first NAL unit is an access unit delimiter, which goes before any parameter sets. */
    boolean delimited() {
        return !nalUnits.isEmpty() && AnnexB.nalType(nalUnits.get(0)) == AnnexB.NAL_AUD;
    }

    int byteCount() {
        int total = 0;
        for (byte[] nal : nalUnits) {
            total += nal.length;
        }
        return total;
    }
}
