package org.nvr.rtsp;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.nvr.camera.SourceException;
import org.nvr.media.Frame;
import org.nvr.media.Track;

/** A listener that keeps what an {@link RtspSession} hands it, with each frame's arrival time; any thread reads. */
final class Received implements RtspSessionListener {

    private final List<Frame> frames = new ArrayList<>();
    private final List<Long> arrivals = new ArrayList<>();
    private volatile List<Track> tracks = List.of();
    private final AtomicInteger closed = new AtomicInteger();
    private final List<org.nvr.media.CameraTime> cameraTimes = new ArrayList<>();

    @Override
    public void onTracks(List<Track> tracks) {
        this.tracks = tracks;
    }

    @Override
    public synchronized void onFrame(Frame frame) {
        frames.add(frame);
        arrivals.add(System.nanoTime());
    }

    @Override
    public synchronized void onCameraTime(org.nvr.media.CameraTime time) {
        cameraTimes.add(time);
    }

    synchronized List<org.nvr.media.CameraTime> cameraTimes(int track) {
        return cameraTimes.stream().filter(t -> t.track() == track).toList();
    }

    @Override
    public void onClosed(SourceException reason) {
        closed.incrementAndGet();
    }

    synchronized List<Frame> frames() {
        return List.copyOf(frames);
    }

    synchronized List<Frame> frames(int track) {
        return frames.stream().filter(f -> f.track().index() == track).toList();
    }

    synchronized long arrivalNanos(int frame) {
        return arrivals.get(frame);
    }

    List<Track> tracks() {
        return tracks;
    }

    int closedCount() {
        return closed.get();
    }
}
