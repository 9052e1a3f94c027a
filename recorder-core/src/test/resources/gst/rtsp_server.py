#!/usr/bin/python3
"""A small RTSP camera for tests: gst-rtsp-server on 127.0.0.1 serving live test streams.

Mounts (all sources live, paced by the clock, so timestamps follow real time):
  /h264       H.264 video (x264enc, zerolatency, no B-frames), RTP pt 96
  /h264aac    /h264 + AAC-LC mono 16 kHz (mpeg4-generic, RTP pt 97)
  /h264alaw   /h264 + G.711 A-law mono 8 kHz (PCMA, RTP pt 8)
  /h265       H.265 video (x265enc, zerolatency, no B-frames), RTP pt 96

Every keyframe is an IDR preceded by SPS/PPS (and VPS for H.265) in band (config-interval=-1),
and the SDP carries them too, so a client that joins mid-stream can decode from the next keyframe.

Media are shared: all clients of one mount watch one pipeline, as with a real camera's encoder.
A client that joins a running pipeline makes gst-rtsp-server ask the encoder for a keyframe, so it
starts at once and the clients already watching see one extra keyframe, off the --gop rhythm. The
pipeline is torn down when its last client leaves; the next client gets a fresh one.

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

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402


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


def launch_lines(args):
    common = ["videotestsrc", "audiotestsrc", "audioconvert"]
    require(*common, "x264enc", "rtph264pay", "x265enc", "rtph265pay",
            "alawenc", "rtppcmapay", "rtpmp4gpay")
    aac = first_available("avenc_aac", "voaacenc")
    if aac is None:
        log("missing GStreamer elements: avenc_aac or voaacenc")
        sys.exit(3)
    return {
        "/h264": video_h264(args),
        "/h264slices": video_h264(args, slices=True),
        "/h264aac": video_h264(args) + " " + audio_aac(aac),
        "/h264alaw": video_h264(args) + " " + audio_alaw(),
        "/h265": video_h265(args),
    }


def parse_args():
    parser = argparse.ArgumentParser(description="RTSP test camera on 127.0.0.1")
    parser.add_argument("--port", type=int, required=True, help="TCP port; 0 lets the kernel pick")
    parser.add_argument("--fps", type=int, default=25)
    parser.add_argument("--width", type=int, default=640)
    parser.add_argument("--height", type=int, default=360)
    parser.add_argument("--gop", type=int, default=0, help="frames between keyframes; default = fps (1 s)")
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
