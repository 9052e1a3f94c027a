#!/usr/bin/env bash
# How fast recording resumes when a camera comes back, and whether reconnecting leaks, for each
# source (our RTSP client, FFmpeg's reader), against the built-in simulator:
#   1. CYCLES (default 10) outages of 4 s: the camera's port refuses, then answers again; prints the
#      median and max time from its return to recording again (target: <= 1.5 s). While a camera is
#      away its port is probed every second, so about one probe period of it is waiting for the probe.
#   2. SOAK cycles (default 200; SOAK=0 skips them) of the camera dropping the session; prints threads,
#      file descriptors, RSS, heap and JavaCPP native memory before and after (they must stay flat;
#      the test fails if threads, descriptors or native memory grow). About 2 s a cycle.
#   bench/recovery.sh [CYCLES=10] [SOURCES="rtsp ffmpeg"]
# Runs the tests RecoveryTimeTest and ReconnectSoakTest (recorder-core) through Maven, offline, with the
# tests' 5-minute timeout raised to 60 (200 cycles take longer on a busy machine).
set -euo pipefail
cd "$(dirname "$0")/.."
cycles=${1:-10}
sources=${2:-rtsp ffmpeg}
soak=${SOAK:-200}
for source in $sources; do
  case $source in rtsp|ffmpeg) ;; *) echo "recovery.sh: unknown source '$source' (rtsp or ffmpeg)" >&2; exit 2 ;; esac
  mvn -B -q -o -pl recorder-core test -Dtest=RecoveryTimeTest -Dsurefire.failIfNoSpecifiedTests=false \
    -Djunit.jupiter.execution.timeout.test.method.default=60m \
    -Dnvr.recovery.cycles="$cycles" -Dnvr.recovery.source="$source" 2>&1 | grep -E "recovery after|FAIL|ERROR\]" || true
  if ((soak > 0)); then
    bench/soak-reconnect.sh "$soak" "$source"
  fi
done
