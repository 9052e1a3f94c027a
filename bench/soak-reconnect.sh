#!/usr/bin/env bash
# 200 connect/disconnect cycles against the built-in simulator; prints threads, file descriptors, RSS
# and JavaCPP native memory before and after (they must stay flat). About 6 minutes.
#   bench/soak-reconnect.sh [CYCLES]
set -euo pipefail
cd "$(dirname "$0")/.."
cycles=${1:-200}
mvn -B -q -o -pl recorder-core test -Dtest=ReconnectSoakTest -Dsurefire.failIfNoSpecifiedTests=false \
  -Dnvr.soak.cycles="$cycles" 2>&1 | grep -E "reconnect cycles|FAIL|ERROR\]" || true
