#!/usr/bin/env bash
# Measures the ring buffer: records the demo's simulated cameras for a while against a max_bytes
# budget and prints, every INTERVAL seconds, the footage on disk against the budget, then the worst
# case. A measurement, not a test (the tests are in recorder-core/src/test/.../retention).
#
#   bench/retention.sh [--cameras 3] [--duration 5m] [--budget 40MB] [--segment-seconds 10] [--interval 10]
#
# Builds recorder-cli/target/nvr.jar first if it is missing. Footage goes to a new directory under
# /tmp, removed at the end unless KEEP=1. Needs: java 17, find, awk, curl (for the metrics columns).
set -euo pipefail
cd "$(dirname "$0")/.."

cameras=3 duration=5m budget=40MB segment=10 interval=10
while [ $# -gt 0 ]; do
  case "$1" in
    --cameras) cameras=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --budget) budget=$2; shift 2 ;;
    --segment-seconds) segment=$2; shift 2 ;;
    --interval) interval=$2; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done

jar=recorder-cli/target/nvr.jar
[ -f "$jar" ] || mvn -B -q -DskipTests package
root=$(mktemp -d /tmp/nvr-bench-XXXXXX)
log="$root.log"
java -jar "$jar" demo --cameras "$cameras" --duration "$duration" --segment-seconds "$segment" \
  --max-bytes "$budget" --root "$root" >"$log" 2>&1 &
pid=$!
cleanup() {
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  if [ "${KEEP:-0}" != 1 ]; then rm -rf "$root" "$log"; else echo "kept $root ($log)"; fi
}
trap cleanup EXIT

url=""
for _ in $(seq 1 300); do
  url=$(sed -n 's/^  metrics: \(http[^ ]*\)$/\1/p' "$log" | head -n 1)
  [ -n "$url" ] && break
  kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; echo "the demo did not start" >&2; exit 1; }
  sleep 0.2
done
[ -n "$url" ] || { cat "$log" >&2; echo "no metrics URL from the demo" >&2; exit 1; }
budget_bytes=$(sed -n 's/.*max_bytes: \([0-9]*\).*/\1/p' "$root/demo.yaml")

footage_bytes() { find "$root" -name '*.mp4' -not -path "$root/quarantine/*" -printf '%s\n' | awk '{s+=$1} END {print s+0}'; }
largest_segment() { find "$root" -name '*.mp4' -not -path "$root/quarantine/*" -printf '%s\n' | sort -n | tail -n 1; }
metric() { awk -v n="$1" '$1 == n || index($1, n "{") == 1 {s += $2; found = 1} END {if (found) printf "%d", s; else print "-"}'; }

echo "nvr retention bench: $cameras camera(s), $segment s segments, budget $budget ($budget_bytes bytes), $duration"
printf '%7s %12s %7s %12s %12s %12s\n' time on_disk budget% used_gauge locked deleted
start=$(date +%s)
worst=0 largest=0
while kill -0 "$pid" 2>/dev/null; do
  t=$(( $(date +%s) - start ))
  bytes=$(footage_bytes)
  seg=$(largest_segment); seg=${seg:-0}
  [ "$seg" -gt "$largest" ] && largest=$seg
  [ "$bytes" -gt "$worst" ] && worst=$bytes
  scrape=$(curl -fs "$url" 2>/dev/null || true)
  printf '%6ds %12d %6.1f%% %12s %12s %12s\n' "$t" "$bytes" "$(awk -v a="$bytes" -v b="$budget_bytes" 'BEGIN {print 100 * a / b}')" \
    "$(metric nvr_storage_used_bytes <<<"$scrape")" "$(metric nvr_storage_locked_bytes <<<"$scrape")" \
    "$(metric nvr_retention_deleted_bytes_total <<<"$scrape")"
  sleep "$interval"
done
wait "$pid" || true
bound=$(( budget_bytes + cameras * largest ))
echo "worst: $worst bytes on disk = $(awk -v a="$worst" -v b="$budget_bytes" 'BEGIN {printf "%.1f", 100 * a / b}')% of the budget;" \
  "bound (budget + one segment per camera, largest segment $largest bytes): $bound bytes ->" \
  "$([ "$worst" -le "$bound" ] && echo within || echo EXCEEDED)"
tail -n 8 "$log"
