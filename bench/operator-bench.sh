#!/usr/bin/env bash
# Operator command benchmark (issue 5): prints the figures, asserts nothing.
#   1. 10 million segment rows: query time of listing one camera's day (target < 50 ms)
#   2. a whole CLI call, JVM start included (target < 1.5 s), plain and with an AppCDS archive
#   3. exporting an hour of 4 Mbit/s footage (target >= 200 MB/s)
# Usage: bench/operator-bench.sh [WORKDIR]   (default: a new temporary directory; needs ~5 GB free)
# Env: ROWS (10000000), CAMERAS (20), EXPORT_MINUTES (60). Needs Debian's ffmpeg for the test clip.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
JAR=$REPO/recorder-cli/target/nvr.jar
WORK=${1:-$(mktemp -d /tmp/nvr-bench.XXXXXX)}
ROWS=${ROWS:-10000000}
CAMERAS=${CAMERAS:-20}
EXPORT_MINUTES=${EXPORT_MINUTES:-60}
mkdir -p "$WORK"
[ -f "$JAR" ] || mvn -B -q -DskipTests package
START_MS=1767225600000   # 2026-01-01T00:00:00Z
DAY_MS=$((START_MS + 100 * 86400000))
ms() { date +%s%N | cut -c1-13; }

echo "== nvr operator benchmark in $WORK ($(nproc) cores, $(java -version 2>&1 | head -1))"

# 1. the index
DB=$WORK/big/index.db
mkdir -p "$WORK/big"
if [ ! -f "$DB" ]; then
    java -cp "$JAR" "$REPO/bench/GenerateIndex.java" "$DB" "$ROWS" "$CAMERAS" "$START_MS"
fi
java -cp "$JAR" "$REPO/bench/QueryBench.java" "$DB" cam-07 "$DAY_MS"

# 2. whole CLI calls
cat > "$WORK/big.yaml" <<YAML
storage: { root: $WORK/big }
sites:
  - id: site-1
    cameras:
$(for i in $(seq 0 $((CAMERAS - 1))); do printf '      - { id: cam-%02d, url: "rtsp://192.0.2.1/%d" }\n' "$i" "$i"; done)
YAML
FROM=$(date -u -d @$((DAY_MS / 1000)) +%Y-%m-%dT%H:%M:%SZ)
TO=$(date -u -d @$((DAY_MS / 1000 + 86400)) +%Y-%m-%dT%H:%M:%SZ)
echo "load average before the CLI calls: $(cut -d' ' -f1-3 /proc/loadavg) (wall time includes waiting for a busy CPU; user+sys does not)"
run_cli() { # label, java options...
    local label=$1; shift
    local times=()
    for i in 1 2 3 4 5; do
        times+=("$( { /usr/bin/time -f '%e/%U/%S' java "$@" -jar "$JAR" footage list --config "$WORK/big.yaml" \
            --camera cam-07 --from "$FROM" --to "$TO" --json > "$WORK/list.json"; } 2>&1 | tail -1)")
    done
    echo "whole CLI call, footage list of one camera's day ($label), wall/user/sys s: ${times[*]} ($(grep -c '"path"' "$WORK/list.json") segments)"
}
run_cli "plain"
echo "whole CLI call, cameras ($CAMERAS cameras), wall/user/sys s: $( { /usr/bin/time -f '%e/%U/%S' java -jar "$JAR" cameras --config "$WORK/big.yaml" > /dev/null; } 2>&1 | tail -1)"
java -XX:ArchiveClassesAtExit="$WORK/nvr.jsa" -jar "$JAR" footage list --config "$WORK/big.yaml" --camera cam-07 --from "$FROM" --to "$TO" --json > /dev/null 2>&1
run_cli "with AppCDS archive" -XX:SharedArchiveFile="$WORK/nvr.jsa"
run_cli "with -XX:TieredStopAtLevel=1" -XX:TieredStopAtLevel=1

# 3. export an hour of 4 Mbit/s footage
CLIP=$WORK/clip-4mbit.mp4
if [ ! -f "$CLIP" ]; then
    /usr/bin/ffmpeg -v error -nostdin -f lavfi -i testsrc2=size=1280x720:rate=25 -f lavfi -i sine=frequency=440:sample_rate=16000 \
        -t 60 -c:v libx264 -preset ultrafast -g 25 -b:v 4M -minrate 4M -maxrate 4M -bufsize 1M -x264-params nal-hrd=cbr \
        -c:a aac -b:a 32k -movflags frag_keyframe+empty_moov+default_base_moof -frag_duration 1000000 "$CLIP"
fi
EXP=$WORK/export
if [ ! -f "$EXP/index.db" ]; then
    java -cp "$JAR" "$REPO/bench/ExportFixture.java" "$EXP" "$CLIP" "$EXPORT_MINUTES" "$START_MS"
fi
cat > "$WORK/export.yaml" <<YAML
storage: { root: $EXP }
sites:
  - id: site-1
    cameras:
      - { id: cam-x, url: "rtsp://192.0.2.1/x" }
YAML
EFROM=$(date -u -d @$((START_MS / 1000)) +%Y-%m-%dT%H:%M:%SZ)
ETO=$(date -u -d @$((START_MS / 1000 + EXPORT_MINUTES * 60)) +%Y-%m-%dT%H:%M:%SZ)
OUT=$WORK/hour.mp4
for pass in cold-ish warm; do
    rm -f "$OUT" "$OUT.json"
    t0=$(ms)
    java -jar "$JAR" footage export --config "$WORK/export.yaml" --camera cam-x --from "$EFROM" --to "$ETO" \
        --output "$OUT" --no-progress > "$WORK/export.out"
    t=$(( $(ms) - t0 ))
    bytes=$(stat -c %s "$OUT")
    echo "export of $EXPORT_MINUTES min at 4 Mbit/s ($pass page cache): $((bytes / 1000000)) MB in $t ms = $((bytes / 1000 / t)) MB/s (whole CLI call: verify sources, copy, moov first, hash)"
done
rm -f "$OUT"
echo "== done; delete $WORK when finished"
