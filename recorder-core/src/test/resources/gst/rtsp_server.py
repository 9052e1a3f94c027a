#!/usr/bin/python3
"""A small RTSP camera for tests: gst-rtsp-server on 127.0.0.1 serving live test streams.

Mounts (all sources live, paced by the clock, so timestamps follow real time):
  /h264       H.264 video (x264enc, zerolatency, no B-frames), RTP pt 96
  /h264aac    /h264 + AAC-LC mono 16 kHz (mpeg4-generic, RTP pt 97)
  /h264alaw   /h264 + G.711 A-law mono 8 kHz (PCMA, RTP pt 8)
  /h264bframes H.264 Main profile with B-frames (x264enc bframes=2 b-adapt=false: I B B P B B P ...,
              so presentation order differs from decode order), RTP pt 96
  /mjpeg      Motion JPEG video (jpegenc, RTP/JPEG pt 26), as old cameras and some channels send
  /audio      AAC audio only, no video (a wrong channel, an intercom)
  /h265       H.265 video (x265enc, zerolatency, no B-frames), RTP pt 96
  /h265bframes H.265 with B-frames (x265enc bframes=2, b-adapt=0, closed GOPs), RTP pt 96
  /h264udp    /h264 over UDP only: a SETUP for interleaved TCP gets 461 Unsupported Transport
  /clip       only with --clip FILE: an H.264 Annex-B file (starting with a keyframe, parameter
              sets in band) played in a loop at its own frame rate, for benchmarks (bench/compare.sh)

Every keyframe is an IDR preceded by SPS/PPS (and VPS for H.265) in band (config-interval=-1),
and the SDP carries them too, so a client that joins mid-stream can decode from the next keyframe.

Media are shared: all clients of one mount watch one pipeline, as with a real camera's encoder.
A client that joins a running pipeline makes gst-rtsp-server ask the encoder for a keyframe, so it
starts at once and the clients already watching see one extra keyframe, off the --gop rhythm. The
pipeline is torn down when its last client leaves; the next client gets a fresh one.

/clip is not shared: every client gets its own pipeline that starts at the file's first picture (one stream
per client, as real cameras are one each), and the pictures each one sends are counted. On SIGUSR1
every /clip stream ends after its current picture (EOS, so clients get an RTCP BYE and close their
files) and, half a second later, the server prints "SENT <pictures> <clients> <seconds>" on stdout: what
was sent to all /clip clients, for a benchmark to compare with what they wrote, and the seconds of
streaming behind it (the sum over clients of first picture to the stop), so that pictures / (seconds x
fps) shows whether the server kept up with real time.

Protocol with the parent: prints "READY <port>" on stdout once the socket listens (with --port 0
the kernel picks the port); exits 0 on SIGTERM or SIGINT; with --exit-on-stdin-eof also exits
when stdin closes, so a test JVM that dies abruptly leaves no server behind. Exit code 2 means
bad usage or the port could not be bound, 3 a missing GStreamer element. Logs go to stderr.

Run with Debian's /usr/bin/python3 (python3-gi, gir1.2-gst-rtsp-server-1.0).
"""
import argparse
import os
import signal
import sys
import threading
import time

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtsp", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtsp, GstRtspServer  # noqa: E402


def log(message):
    print("rtsp_server: " + message, file=sys.stderr, flush=True)


def first_available(*names):
    for name in names:
        if Gst.ElementFactory.find(name) is not None:
            return name
    return None


def require(*names):
    missing = [n for n in names if Gst.ElementFactory.find(n) is None]
    if missing:
        log("missing GStreamer elements: " + ", ".join(missing))
        sys.exit(3)


def video_h264(args, slices=False):
    # One slice per frame by default. With x264's sliced threads (slices=True, as many IP cameras
    # encode), every picture is several slices and FFmpeg's RTP depacketizer returns one packet per
    # slice with the same timestamp: the recorder must join them into one sample.
    threading = "sliced-threads=true threads=4" if slices else "sliced-threads=false threads=1"
    return (
        f"videotestsrc is-live=true pattern=ball "
        f"! video/x-raw,format=I420,width={args.width},height={args.height},framerate={args.fps}/1 "
        f"! x264enc tune=zerolatency speed-preset=ultrafast key-int-max={args.gop} "
        f"{threading} "
        f"! video/x-h264,stream-format=byte-stream,alignment=au "
        f"! rtph264pay name=pay0 pt=96 config-interval=-1"
    )


def video_h264_bframes(args):
    # No tune=zerolatency: it turns B-frames off. Two B-frames between references, always (b-adapt
    # off), and a profile that allows them; the RTP timestamps are presentation times, out of
    # decode order, as a camera with B-frames sends them.
    return (
        f"videotestsrc is-live=true pattern=ball "
        f"! video/x-raw,format=I420,width={args.width},height={args.height},framerate={args.fps}/1 "
        f"! x264enc speed-preset=ultrafast bframes=2 b-adapt=false key-int-max={args.gop} "
        f"sliced-threads=false threads=1 "
        f"! video/x-h264,profile=main,stream-format=byte-stream,alignment=au "
        f"! rtph264pay name=pay0 pt=96 config-interval=-1"
    )


def video_mjpeg(args):
    return (
        f"videotestsrc is-live=true pattern=ball "
        f"! video/x-raw,format=I420,width={args.width},height={args.height},framerate={args.fps}/1 "
        f"! jpegenc quality=50 ! rtpjpegpay name=pay0 pt=26"
    )


def video_h265(args):
    # x265 would otherwise start later GOPs with CRA (open GOP); cameras send IDR.
    return (
        f"videotestsrc is-live=true pattern=ball "
        f"! video/x-raw,format=I420,width={args.width},height={args.height},framerate={args.fps}/1 "
        f"! x265enc tune=zerolatency speed-preset=ultrafast key-int-max={args.gop} "
        f"option-string=open-gop=0 "
        f"! video/x-h265,stream-format=byte-stream,alignment=au "
        f"! rtph265pay name=pay0 pt=96 config-interval=-1"
    )


def video_h265_bframes(args):
    # As /h264bframes: no zerolatency (it turns B-frames off), two B-frames between references.
    return (
        f"videotestsrc is-live=true pattern=ball "
        f"! video/x-raw,format=I420,width={args.width},height={args.height},framerate={args.fps}/1 "
        f"! x265enc speed-preset=ultrafast key-int-max={args.gop} "
        f"option-string=bframes=2:b-adapt=0:b-pyramid=0:open-gop=0 "
        f"! video/x-h265,stream-format=byte-stream,alignment=au "
        f"! rtph265pay name=pay0 pt=96 config-interval=-1"
    )


def audio_aac(encoder):
    return (
        f"audiotestsrc is-live=true wave=sine freq=440 volume=0.3 "
        f"! audio/x-raw,rate=16000,channels=1 ! audioconvert ! {encoder} "
        f"! rtpmp4gpay name=pay1 pt=97"
    )


def audio_alaw():
    # 20 ms buffers, as a camera's G.711 packets.
    return (
        "audiotestsrc is-live=true wave=sine freq=440 volume=0.3 samplesperbuffer=160 "
        "! audio/x-raw,rate=8000,channels=1 ! audioconvert ! alawenc "
        "! rtppcmapay name=pay1 pt=8"
    )


def video_clip(path):
    # multifilesrc rereads the same file forever; h264parse dates the pictures from the SPS's frame
    # rate, continuing across the loop, and the RTSP server's sinks pace them at that rate.
    return (
        f"multifilesrc location={path} loop=true "
        f"! h264parse ! video/x-h264,stream-format=byte-stream,alignment=au "
        f"! rtph264pay name=pay0 pt=96 config-interval=-1"
    )


class ClipCounter:
    """Counts the pictures each /clip client's pipeline sends; ends every stream once stopped."""

    def __init__(self):
        self.lock = threading.Lock()
        self.sent = []
        self.pipelines = []
        self.ending = []
        self.first = []  # monotonic time of each client's first picture
        self.stopped = False
        self.stopped_at = None

    def attach(self, media):
        pipeline = media.get_element()
        with self.lock:
            slot = len(self.sent)
            self.sent.append(0)
            self.pipelines.append(pipeline)
            self.ending.append(False)
            self.first.append(None)
        pipeline.get_by_name("pay0").get_static_pad("sink").add_probe(Gst.PadProbeType.BUFFER, self._on_picture, slot)

    def _on_picture(self, _pad, info, slot):
        with self.lock:
            if self.stopped:
                if not self.ending[slot]:
                    self.ending[slot] = True  # a client that came after the stop
                    GLib.idle_add(self._end, slot)
                return Gst.PadProbeReturn.DROP
            self.sent[slot] += 1
            if self.first[slot] is None:
                self.first[slot] = time.monotonic()
        buf = info.get_buffer()
        # h264parse dates raw H.264 with a dts only; RTP timestamps come from the pts (no B-frames).
        if buf.pts == Gst.CLOCK_TIME_NONE:
            buf.pts = buf.dts
        return Gst.PadProbeReturn.OK

    def stop(self):
        """No picture is sent after this; every stream ends (RTCP BYE), so clients close their files."""
        with self.lock:
            self.stopped = True
            self.stopped_at = time.monotonic()
            slots = [i for i, ending in enumerate(self.ending) if not ending]
            for i in slots:
                self.ending[i] = True
        for i in slots:
            self._end(i)

    def _end(self, slot):
        self.pipelines[slot].send_event(Gst.Event.new_eos())
        return GLib.SOURCE_REMOVE

    def report(self):
        with self.lock:
            seconds = sum(self.stopped_at - t for t in self.first if t is not None)
            print(f"SENT {sum(self.sent)} {len(self.sent)} {seconds:.1f}", flush=True)
            log("/clip pictures sent per client: " + " ".join(str(n) for n in self.sent))


def launch_lines(args):
    common = ["videotestsrc", "audiotestsrc", "audioconvert"]
    require(*common, "x264enc", "rtph264pay", "x265enc", "rtph265pay",
            "alawenc", "rtppcmapay", "rtpmp4gpay", "jpegenc", "rtpjpegpay")
    aac = first_available("avenc_aac", "voaacenc")
    if aac is None:
        log("missing GStreamer elements: avenc_aac or voaacenc")
        sys.exit(3)
    return {
        "/h264": video_h264(args),
        "/h264slices": video_h264(args, slices=True),
        "/h264aac": video_h264(args) + " " + audio_aac(aac),
        "/h264alaw": video_h264(args) + " " + audio_alaw(),
        "/h264bframes": video_h264_bframes(args),
        "/h265": video_h265(args),
        "/h265bframes": video_h265_bframes(args),
        "/mjpeg": video_mjpeg(args),
        "/audio": audio_aac(aac).replace("name=pay1", "name=pay0"),
    }


def parse_args():
    parser = argparse.ArgumentParser(description="RTSP test camera on 127.0.0.1")
    parser.add_argument("--port", type=int, required=True, help="TCP port; 0 lets the kernel pick")
    parser.add_argument("--fps", type=int, default=25)
    parser.add_argument("--width", type=int, default=640)
    parser.add_argument("--height", type=int, default=360)
    parser.add_argument("--gop", type=int, default=0, help="frames between keyframes; default = fps (1 s)")
    parser.add_argument("--clip", help="H.264 Annex-B file served in a loop on /clip, one pipeline per client")
    parser.add_argument("--exit-on-stdin-eof", action="store_true",
                        help="exit when stdin closes (the parent process went away)")
    args = parser.parse_args()
    if args.gop <= 0:
        args.gop = args.fps
    if args.fps <= 0 or args.width <= 0 or args.height <= 0 or not 0 <= args.port <= 65535:
        parser.error("fps, width and height must be positive; port within 0-65535")
    return args


def main():
    args = parse_args()
    Gst.init(None)
    loop = GLib.MainLoop()

    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(args.port))
    mounts = server.get_mount_points()
    for path, line in launch_lines(args).items():
        factory = GstRtspServer.RTSPMediaFactory()
        factory.set_launch("( " + line + " )")
        factory.set_shared(True)
        mounts.add_factory(path, factory)
        log(f"{path}: {line}")
    counter = ClipCounter()
    if args.clip:
        require("multifilesrc", "h264parse")
        factory = GstRtspServer.RTSPMediaFactory()
        factory.set_launch("( " + video_clip(args.clip) + " )")
        factory.set_shared(False)
        factory.connect("media-configure", lambda _f, media: counter.attach(media))
        mounts.add_factory("/clip", factory)
        log("/clip: " + video_clip(args.clip))

    # /h264udp: the /h264 stream from a server that takes RTP over UDP only and answers a SETUP for
    # interleaved TCP with 461 Unsupported Transport, as VLC's RTSP output and many relays do.
    udp_only = GstRtspServer.RTSPMediaFactory()
    udp_only.set_launch("( " + video_h264(args) + " )")
    udp_only.set_shared(True)
    udp_only.set_protocols(GstRtsp.RTSPLowerTrans.UDP)
    mounts.add_factory("/h264udp", udp_only)

    server.connect("client-connected", lambda _s, client: log(
        "client connected from " + client.get_connection().get_ip()))

    if server.attach(None) == 0:
        log(f"cannot listen on 127.0.0.1:{args.port}")
        sys.exit(2)

    def quit_loop(*_ignored):
        loop.quit()
        return GLib.SOURCE_REMOVE

    GLib.unix_signal_add(GLib.PRIORITY_HIGH, signal.SIGTERM, quit_loop)
    GLib.unix_signal_add(GLib.PRIORITY_HIGH, signal.SIGINT, quit_loop)

    def stop_clips():
        counter.stop()
        GLib.timeout_add(500, lambda: counter.report() or GLib.SOURCE_REMOVE)
        return GLib.SOURCE_CONTINUE

    GLib.unix_signal_add(GLib.PRIORITY_HIGH, signal.SIGUSR1, stop_clips)
    if args.exit_on_stdin_eof:
        def on_stdin(fd, _condition):
            if not os.read(fd, 4096):
                log("stdin closed, exiting")
                loop.quit()
                return GLib.SOURCE_REMOVE
            return GLib.SOURCE_CONTINUE

        GLib.unix_fd_add_full(GLib.PRIORITY_DEFAULT, sys.stdin.fileno(),
                              GLib.IOCondition.IN | GLib.IOCondition.HUP, on_stdin)

    port = server.get_bound_port()
    print(f"READY {port}", flush=True)
    log(f"listening on rtsp://127.0.0.1:{port}/")
    loop.run()
    log("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
