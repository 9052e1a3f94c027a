#!/usr/bin/env bash
# Wrong-password flood against /metrics while nvr records: prints /healthz latency (p50, p99, max)
# before and during the flood, the flood's answers by status, and pictures sent by the camera server
# against pictures written (nothing may be lost to the flood).
#
#   bench/http-flood.sh [SECONDS=30] [CLIENTS=16] [SOURCES=1] [CAMERAS=4]
#
# nvr runs as 'nvr run' with metrics.auth (a hash of the default cost, as 'nvr hash-password' makes)
# and records CAMERAS streams of a 640x360 25 fps H.264 clip (made with ffmpeg at start) from the
# test RTSP server (recorder-core/src/test/resources/gst/rtsp_server.py, mount /clip). After 8 s of
# recording, bench/HttpFlood.java measures /healthz for 3 s, then floods /metrics with CLIENTS
# keep-alive clients sending wrong passwords from SOURCES loopback addresses (1: one attacker,
# which the per-address throttle stops; 16: one address each) for SECONDS while measuring /healthz.
# Then the server ends every stream (RTCP BYE) and reports what it sent, nvr gets SIGTERM, and
# ffprobe counts the video packets in the footage. lost = sent - written.
# Needs: the jar (built if missing), java 17, ffmpeg+ffprobe with libx264, /usr/bin/python3 with
# python3-gi and gir1.2-gst-rtsp-server-1.0.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}
clients=${2:-16}
sources=${3:-1}
cameras=${4:-4}
jar=recorder-cli/target/nvr.jar
[ -f "$jar" ] || mvn -B -q -DskipTests package
work=$(mktemp -d "${TMPDIR:-/tmp}/nvr-flood.XXXXXX")
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

echo "http-flood.sh: $clients clients from $sources address(es), $seconds s, $cameras camera(s), on $(nproc) core(s)," \
  "load average $(cut -d' ' -f1-3 /proc/loadavg)"
ffmpeg -nostdin -hide_banner -loglevel error -f lavfi -i "testsrc2=size=640x360:rate=25" -t 20 -pix_fmt yuv420p \
  -c:v libx264 -preset veryfast -profile:v main -bf 0 -g 50 -b:v 1M -x264-params repeat-headers=1 \
  -f h264 "$work/clip.h264"
/usr/bin/python3 recorder-core/src/test/resources/gst/rtsp_server.py --port 0 --clip "$work/clip.h264" \
  >"$work/server.out" 2>"$work/server.log" &
srv=$!
pids+=("$srv")
for _ in $(seq 100); do grep -q READY "$work/server.out" && break; sleep 0.1; done
port=$(awk '/READY/{print $2}' "$work/server.out")
[ -n "$port" ] || { echo "the RTSP server did not start (see $work/server.log)" >&2; exit 1; }

hash=$(echo "the-real-password" | java -jar "$jar" hash-password)
mport=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
{
  echo "storage: { root: $work/footage, segment_seconds: 10 }"
  echo "metrics:"
  echo "  listen: 127.0.0.1:$mport"
  echo "  auth: { username: prometheus, password_hash: \"$hash\" }"
  echo "sites:"
  echo "  - id: bench"
  echo "    cameras:"
  for i in $(seq "$cameras"); do echo "      - { id: cam-$i, url: \"rtsp://127.0.0.1:$port/clip\" }"; done
} >"$work/nvr.yaml"
java -jar "$jar" run --config "$work/nvr.yaml" 2>"$work/nvr.log" &
nvr=$!
pids+=("$nvr")
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$mport/healthz" >/dev/null && break; sleep 0.1; done
sleep 8 # every camera connected and recording

java bench/HttpFlood.java "$mport" "$seconds" "$clients" "$sources"
echo "throttle warnings logged: $(grep -c 'wrong credentials from' "$work/nvr.log" || true)"

kill -USR1 "$srv" # end every stream after its current picture
for _ in $(seq 600); do grep -q '^SENT' "$work/server.out" && break; sleep 0.1; done
sleep 3
kill -TERM "$nvr"
wait "$nvr" || true
sent=$(awk '/^SENT/{print $2}' "$work/server.out")
written=$(find "$work/footage" -name '*.mp4' -print0 \
  | xargs -0 -r -n 1 ffprobe -v error -select_streams v:0 -count_packets \
      -show_entries stream=nb_read_packets -of csv=p=0 \
  | awk '{s += $1} END {print s + 0}')
echo "pictures: sent ${sent:-?}, written $written, lost $(( ${sent:-0} - written ))"
