#!/usr/bin/env bash
# CYCLES (default 200) connect/disconnect cycles against the built-in simulator, for each source (our
# RTSP client, FFmpeg's reader); prints threads, file descriptors, RSS, heap and JavaCPP native memory
# before and after (they must stay flat). About 2 s a cycle; bench/recovery.sh runs it too.
#   bench/soak-reconnect.sh [CYCLES=200] [SOURCES="rtsp ffmpeg"]
set -euo pipefail
cd "$(dirname "$0")/.."
cycles=${1:-200}
sources=${2:-rtsp ffmpeg}
for source in $sources; do
  mvn -B -q -o -pl recorder-core test -Dtest=ReconnectSoakTest -Dsurefire.failIfNoSpecifiedTests=false \
    -Djunit.jupiter.execution.timeout.test.method.default=60m \
    -Dnvr.soak.cycles="$cycles" -Dnvr.soak.source="$source" 2>&1 | grep -E "reconnect cycles|FAIL|ERROR\]" || true
done
