/**
 * RTP media, received: parsing packets ({@link org.nvr.rtp.RtpPacket}), following one track's
 * sequence numbers and timestamps ({@link org.nvr.rtp.SequenceTracker},
 * {@link org.nvr.rtp.TimestampExtender}) and turning its payloads into the media model's
 * {@link org.nvr.media.Frame}s ({@link org.nvr.rtp.Depacketizer} and one class per payload format).
 * {@link org.nvr.rtp.RtpTrackReceiver} puts these together for one track.
 *
 * <p>No I/O and no threads here: the RTSP client's event loop hands in packets and takes frames out.
 * Nothing in the recorder uses this package yet (issue 14).
 */
package org.nvr.rtp;
