#!/usr/bin/env bash
# Where should fragmented MP4 muxing live? Writes the same H.264 access units (a 1080p 25 fps clip of
# noise, so the encoder fills its ~4 Mbit/s (or the size and rate given); Constrained Baseline, 2 s GOP, made at start by
# GStreamer's x264enc, about 1 s of encoding per second of clip on this machine) ROUNDS times
# through FFmpeg's mp4 muxer as the recorder drives it (org.nvr.source.ffmpeg.Mp4SegmentWriter) and through
# the Java writer (org.nvr.mp4.FragmentedMp4Writer), plus the Java fragments built in memory
# without I/O, plus the whole Java segment writer of the Netty client (org.nvr.store.SegmentRecorder:
# decode times from presentation times, clocks, a run and a segment indexed in SQLite per round), and prints each one's CPU time (writing thread, user+system) per GB and MB per CPU
# second (bench/Fmp4WriteBench.java).
#   bench/fmp4-write.sh [SECONDS=20] [ROUNDS=20] [WIDTHxHEIGHT=1920x1080] [KBITS=4000]
# (a sub-stream, e.g. 640x360 500, shows the per-picture cost rather than the per-byte cost)
# Needs the jar (mvn -B -DskipTests package) and gst-launch-1.0 with x264enc. Files go to TMPDIR.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
rounds=${2:-20}
size=${3:-1920x1080}
kbits=${4:-4000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
gst-launch-1.0 -q videotestsrc num-buffers=$((seconds * 25)) pattern=snow \
  ! video/x-raw,format=I420,width=${size%x*},height=${size#*x},framerate=25/1 \
  ! x264enc bitrate=$kbits key-int-max=50 bframes=0 speed-preset=ultrafast \
  ! h264parse ! mp4mux ! filesink location="$work/clip.mp4"
java -cp recorder-cli/target/nvr.jar bench/Fmp4WriteBench.java "$work/clip.mp4" "$rounds" "$work" 2>"$work/bench.err" \
  || { cat "$work/bench.err" >&2; exit 1; }
