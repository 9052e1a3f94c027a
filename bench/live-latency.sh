#!/usr/bin/env bash
# Live wall latency: the built-in simulator (pictures carry a frame counter) is recorded by the
# recorder, which serves the wall; a real headless chromium (Debian's, as in the browser tests) logs
# in and watches. Prints the time to the first picture after opening the wall, the latency from the
# camera sending a picture to the page showing it (p50/p95/max, checked against the drawn counter),
# and the recorder's CPU before and while watching (bench/LiveLatencyBench.java).
# With BROWSERS > 1, the other browsers watch the same wall (TILES cameras each) meanwhile.
# SOURCE=ffmpeg records through the FFmpeg source instead of the default (rtsp, our own client).
#   [SOURCE=rtsp|ffmpeg] bench/live-latency.sh [WIDTHxHEIGHT=1280x720] [GOP_FRAMES=50] [KBITS=2000] [SECONDS=20] [TILES=1] [BROWSERS=1]
# Needs: maven (builds the test classes and resolves Selenium), chromium + chromium-driver.
set -euo pipefail
cd "$(dirname "$0")/.."
size=${1:-1280x720}
gop=${2:-50}
kbits=${3:-2000}
seconds=${4:-20}
tiles=${5:-1}
browsers=${6:-1}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mvn -B -q -pl recorder-core test-compile
mvn -B -q -pl recorder-core dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$work/cp" >/dev/null
cp="recorder-core/target/classes:recorder-core/target/test-classes:$(cat "$work/cp")"
java -cp "$cp" bench/LiveLatencyBench.java "$size" "$gop" "$kbits" "$seconds" "$tiles" "$browsers" "${SOURCE:-rtsp}" 2>"$work/bench.err" \
  | grep -v '^[0-9][0-9]:[0-9][0-9]:' || { tail -40 "$work/bench.err" >&2; exit 1; }
