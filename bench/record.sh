#!/usr/bin/env bash
# Records N cameras from GStreamer's RTSP server (the test server, H.264 640x360 25 fps) with
# 'nvr run' for D seconds, then prints the recorder's CPU % and RSS, and the segments and seconds
# of footage indexed per camera.
#   bench/record.sh [CAMERAS=4] [SECONDS=60]
# Needs the jar (mvn -B -DskipTests package), /usr/bin/python3 with python3-gi and gst-rtsp-server,
# and sqlite3.
set -euo pipefail
cd "$(dirname "$0")/.."
cameras=${1:-4}
seconds=${2:-60}
work=$(mktemp -d)
trap 'kill $gst_pid 2>/dev/null || true; kill $nvr_pid 2>/dev/null || true; rm -rf "$work"' EXIT

/usr/bin/python3 recorder-core/src/test/resources/gst/rtsp_server.py --port 0 >"$work/gst.out" 2>"$work/gst.err" &
gst_pid=$!
for _ in $(seq 100); do grep -q READY "$work/gst.out" && break; sleep 0.1; done
port=$(awk '/READY/{print $2}' "$work/gst.out")

{
  echo "storage: { root: $work/footage, segment_seconds: 10 }"
  echo "metrics: { listen: 127.0.0.1:0 }"
  echo "sites:"
  echo "  - id: bench"
  echo "    cameras:"
  for i in $(seq "$cameras"); do
    mounts=(h264 h264aac h264alaw h265)
    echo "      - { id: cam-$i, url: \"rtsp://127.0.0.1:$port/${mounts[$(( (i - 1) % 4 ))]}\" }"
  done
} >"$work/nvr.yaml"

java -jar recorder-cli/target/nvr.jar run --config "$work/nvr.yaml" 2>"$work/nvr.log" &
nvr_pid=$!
sleep 5 # let every camera connect before measuring
ticks=$(getconf CLK_TCK)
t0=$(awk '{print $14+$15}' "/proc/$nvr_pid/stat")
sleep "$seconds"
t1=$(awk '{print $14+$15}' "/proc/$nvr_pid/stat")
rss=$(awk '/VmRSS/{print $2}' "/proc/$nvr_pid/status")
threads=$(ls "/proc/$nvr_pid/task" | wc -l)
kill -TERM "$nvr_pid"
wait "$nvr_pid" || true
echo "cameras=$cameras seconds=$seconds"
awk -v a="$t0" -v b="$t1" -v t="$ticks" -v s="$seconds" 'BEGIN {printf "cpu: %.1f %% of one core\n", (b-a)/t/s*100}'
echo "rss: $((rss / 1024)) MB, threads: $threads"
sqlite3 -header -column "$work/footage/index.db" \
  "SELECT camera, COUNT(*) AS segments, ROUND(SUM(duration_ms)/1000.0, 1) AS seconds, SUM(bytes) AS bytes,
          SUM(state='closed') AS closed FROM segments GROUP BY camera"
