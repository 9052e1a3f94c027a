package org.nvr.source.rtsp;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.nvr.camera.FailureReason;
import org.nvr.media.Frame;
import org.nvr.media.Track;
import org.nvr.store.FrameRecorder;

/**
 * A {@link FrameRecorder} that records every call with its thread: tracks, frames in order, the end.
 * It can block in {@link #frame} until released (a slow disk) or throw on the n-th frame (a full one).
 */
final class FakeRecorder implements FrameRecorder {
    record Call(String what, String thread, Frame frame, List<Track> tracks) {
    }

    final List<Call> calls = new CopyOnWriteArrayList<>();
    final List<String> ends = new CopyOnWriteArrayList<>();
    private volatile Semaphore gate;
    private volatile int failAt = -1;
    private volatile IOException failure;
    private int frames;

    /** From now on every frame waits for a permit of the returned gate. */
    Semaphore block() {
        Semaphore s = new Semaphore(0);
        gate = s;
        return s;
    }

    void unblock() {
        Semaphore s = gate;
        gate = null;
        if (s != null) {
            s.release(Integer.MAX_VALUE / 2);
        }
    }

    void failAt(int frame, IOException e) {
        failure = e;
        failAt = frame;
    }

    @Override
    public void tracks(List<Track> tracks) {
        calls.add(new Call("tracks", Thread.currentThread().getName(), null, tracks));
    }

    @Override
    public void frame(Frame frame) throws IOException, InterruptedException {
        Semaphore s = gate;
        if (s != null && !s.tryAcquire(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the test never released the recorder");
        }
        if (++frames == failAt) {
            throw failure;
        }
        calls.add(new Call("frame", Thread.currentThread().getName(), frame, null));
    }

    @Override
    public Duration end(FailureReason reason, String detail) {
        ends.add(reason.label());
        calls.add(new Call("end:" + reason.label(), Thread.currentThread().getName(), null, null));
        return Duration.ofSeconds(frames);
    }

    List<Frame> frames() {
        List<Frame> out = new ArrayList<>();
        for (Call c : calls) {
            if (c.frame() != null) {
                out.add(c.frame());
            }
        }
        return out;
    }
}
