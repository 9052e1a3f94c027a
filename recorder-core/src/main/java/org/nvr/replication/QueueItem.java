package org.nvr.replication;

/**
 * One row of {@code replication_queue}: an object to copy.
 *
 * @param path    segments: relative to the storage root; exports and manifests: absolute
 * @param sha256  the digest recorded when the file was made (null for a manifest: read when sent)
 * @param held    evidence: its footage is kept until the copy is verified
 */
record QueueItem(long id, String kind, String site, String camera, long startMs, String path, String sha256,
                 boolean held, int attempts, String uploadId) {
    boolean segment() {
        return kind.equals("segment");
    }
}
