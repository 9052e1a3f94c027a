#!/usr/bin/env bash
# Playback benchmark (issue 13): start and seek latency of /playback/{camera}.mp4 over real HTTP on a
# 10-million-row index. Prints the figures, asserts nothing (target: start <= 300 ms, seek <= 300 ms).
# Usage: bench/playback-bench.sh [WORKDIR]   (default: a new temporary directory; needs ~3 GB free)
# Env: ROWS (10000000), CAMERAS (20), SAMPLES (40). Needs Debian's ffmpeg for the clip.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
JAR=$REPO/recorder-cli/target/nvr.jar
WORK=${1:-$(mktemp -d /tmp/nvr-playback-bench.XXXXXX)}
ROWS=${ROWS:-10000000}
CAMERAS=${CAMERAS:-20}
SAMPLES=${SAMPLES:-40}
mkdir -p "$WORK/big"
[ -f "$JAR" ] || mvn -B -q -DskipTests package
START_MS=1767225600000   # 2026-01-01T00:00:00Z
DAY_MS=$((START_MS + 100 * 86400000))
echo "== nvr playback benchmark in $WORK ($(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"
DB=$WORK/big/index.db
[ -f "$DB" ] || java -cp "$JAR" "$REPO/bench/GenerateIndex.java" "$DB" "$ROWS" "$CAMERAS" "$START_MS"
CLIP=$WORK/clip-60s.mp4
# 60 s of 1280x720 25 fps H.264 in 1 s fragments, as the recorder writes segments
[ -f "$CLIP" ] || ffmpeg -nostdin -v error -f lavfi -i testsrc2=duration=60:size=1280x720:rate=25 \
    -c:v libx264 -preset veryfast -g 25 -b:v 2M -pix_fmt yuv420p \
    -movflags frag_keyframe+empty_moov+default_base_moof -frag_duration 1000000 -f mp4 "$CLIP"
echo "query plan of the playback's segment query:"
sqlite3 "$DB" "EXPLAIN QUERY PLAN SELECT id FROM segments WHERE camera = 'cam-07' AND start_ms >= 0 AND start_ms < 1 AND (end_ms IS NULL OR end_ms >= 0) AND state != 'deleting' ORDER BY start_ms, id" 2>/dev/null \
    || echo "  (sqlite3 not installed; FootageQueriesTest checks the plan)"
java -Dstart="$START_MS" -Dcameras="$CAMERAS" -cp "$JAR" "$REPO/bench/PlaybackBench.java" "$WORK/big" cam-07 "$DAY_MS" "$CLIP" "$SAMPLES"
