#!/usr/bin/env bash
# Time from a camera's return (its port answers again) to recording again, over 10 cycles of 4 s
# outages against the built-in simulator; prints median and max.
#   bench/recovery.sh [CYCLES]
set -euo pipefail
cd "$(dirname "$0")/.."
cycles=${1:-10}
mvn -B -q -o -pl recorder-core test -Dtest=RecoveryTimeTest -Dsurefire.failIfNoSpecifiedTests=false \
  -Dnvr.recovery.cycles="$cycles" 2>&1 | grep -E "recovery after|FAIL|ERROR\]" || true
