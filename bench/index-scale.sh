#!/usr/bin/env bash
# Index at scale (issue 8): prints the figures, asserts nothing.
# With 10 million segment rows, CAMERAS cameras open and close segments through the recorder's own index
# writer (WAL, synchronous=FULL) at EVERY_MS per camera, while retention deletes the oldest footage as fast
# (global max_bytes = what is stored) and a read connection lists one camera's day every QUERY_EVERY_MS.
# Targets: insert p99 < 5 ms, day list < 50 ms.
# Usage: bench/index-scale.sh [WORKDIR]   (default: a new temporary directory; needs ~3 GB free)
#   WORKDIR/big/index.db is reused if present (operator-bench.sh builds the same one); the run changes it
#   (rows in, rows out, about as many), so a reused index keeps about ROWS rows.
# Env: ROWS (10000000), INDEX_CAMERAS (20, in the generated index), CAMERAS (32, recording), EVERY_MS (1000:
#   a 60 s segment per camera every second, 60x real time), DURATION (120 s measured; not SECONDS, which
#   bash keeps for itself), WARMUP (10 s, not measured), QUERY_EVERY_MS (100), RETENTION (on; off leaves
#   deleting out, to see what it costs the inserts), JAVA_OPTS (added after the
#   daemon's own heap and GC flags, which the benchmark runs with; e.g.
#   -XX:StartFlightRecording=filename=/tmp/x.jfr).
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
JAR=$REPO/recorder-cli/target/nvr.jar
WORK=${1:-$(mktemp -d /tmp/nvr-index-scale.XXXXXX)}
ROWS=${ROWS:-10000000}
INDEX_CAMERAS=${INDEX_CAMERAS:-20}
CAMERAS=${CAMERAS:-32}
EVERY_MS=${EVERY_MS:-1000}
DURATION=${DURATION:-120}
WARMUP=${WARMUP:-10}
QUERY_EVERY_MS=${QUERY_EVERY_MS:-100}
START_MS=1767225600000   # 2026-01-01T00:00:00Z, as operator-bench.sh
mkdir -p "$WORK/big"
[ -f "$JAR" ] || mvn -B -q -o -DskipTests package

echo "== nvr index at scale in $WORK ($(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)," \
    "$(java -version 2>&1 | sed -n 1p))"
DB=$WORK/big/index.db
if [ ! -f "$DB" ]; then
    java -cp "$JAR" "$REPO/bench/GenerateIndex.java" "$DB" "$ROWS" "$INDEX_CAMERAS" "$START_MS"
fi
DAEMON_JVM="-Xms16m -Xmx512m -XX:+UseSerialGC"   # as packaging/nvr starts the daemon
# shellcheck disable=SC2086 # lists of options
java $DAEMON_JVM ${JAVA_OPTS:-} -cp "$JAR" "$REPO/bench/IndexScaleBench.java" "$DB" "$DURATION" "$CAMERAS" "$EVERY_MS" \
    "$WARMUP" "$QUERY_EVERY_MS"
echo "== done; delete $WORK when finished"
