#!/usr/bin/env bash
# Heap allocation of nvr per GB recorded, from JFR: records N cameras of compare.sh's stream (the 1080p
# 25 fps 4 Mbit/s H.264 clip, one stream per camera from the test RTSP server) with 'nvr run' and the
# daemon's JVM flags, and after WARMUP seconds records SECONDS of JFR with
#   jdk.ThreadAllocationStatistics every second: the bytes each thread allocated (its last reading less
#       its first, so exact for the long-lived threads that do the work);
#   jdk.ObjectAllocationSample: where the allocation happens (sampled; shown as shares).
# Prints MB allocated per GB written to disk in total and per thread group, and the top allocation sites.
#
#   bench/alloc.sh [CAMERAS=8] [SECONDS=60]
#
# Environment: WARMUP (s, default 30), NVR_JAVA_OPTS as in compare.sh, KEEP=1 keeps the work directory
# (footage, logs, alloc.jfr), TOP (sites shown, default 12). Needs what compare.sh needs for nvr, and
# jcmd and jfr from the JDK.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
cameras=${1:-8}
seconds=${2:-60}
warmup=${WARMUP:-30}
top=${TOP:-12}
jar=recorder-cli/target/nvr.jar
server=recorder-core/src/test/resources/gst/rtsp_server.py

for tool in java jcmd jfr ffmpeg /usr/bin/python3; do
  command -v "$tool" >/dev/null || { echo "alloc.sh: $tool not found" >&2; exit 1; }
done
[ -f "$jar" ] || mvn -B -q -DskipTests package

work=$(mktemp -d "${TMPDIR:-/tmp}/nvr-alloc.XXXXXX")
running=()
cleanup() {
  for p in "${running[@]}"; do kill "$p" 2>/dev/null || true; done
  if [ -n "${KEEP:-}" ]; then echo "work directory kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

echo "alloc.sh: $cameras camera(s), $seconds s measured after $warmup s"
ffmpeg -nostdin -hide_banner -loglevel error -f lavfi \
  -i "testsrc2=size=1920x1080:rate=25,noise=alls=12:allf=t" -t 20 -pix_fmt yuv420p \
  -c:v libx264 -preset veryfast -profile:v main -bf 0 -g 50 -b:v 4M -maxrate 4M -bufsize 4M \
  -x264-params "nal-hrd=cbr:force-cfr=1:repeat-headers=1" -f h264 "$work/clip.h264"

/usr/bin/python3 "$server" --port 0 --clip "$work/clip.h264" >"$work/server.out" 2>"$work/server.log" &
running+=($!)
for _ in $(seq 100); do grep -q READY "$work/server.out" && break; sleep 0.1; done
port=$(awk '/READY/{print $2}' "$work/server.out")
[ -n "$port" ] || { echo "alloc.sh: the RTSP server did not start (see $work/server.log)" >&2; KEEP=1; exit 1; }

{
  echo "storage: { root: $work/footage, segment_seconds: 60 }"
  echo "metrics: { listen: 127.0.0.1:0 }"
  echo "sites:"
  echo "  - id: bench"
  echo "    cameras:"
  for i in $(seq "$cameras"); do echo "      - { id: cam-$i, url: \"rtsp://127.0.0.1:$port/clip\", transport: tcp }"; done
} >"$work/nvr.yaml"
mkdir -p "$work/prefix/bin" "$work/prefix/share/nvr" "$work/cache" "$work/footage"
cp packaging/nvr "$work/prefix/bin/nvr"
ln -sf "$repo/$jar" "$work/prefix/share/nvr/nvr.jar"
CACHE_DIRECTORY="$work/cache" "$work/prefix/bin/nvr" run --config "$work/nvr.yaml" 2>"$work/nvr.log" &
nvr=$! # the launcher execs the JVM: this is its pid
running+=("$nvr")

cat >"$work/alloc.jfc" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<configuration version="2.0" label="nvr allocation">
  <event name="jdk.ThreadAllocationStatistics">
    <setting name="enabled">true</setting>
    <setting name="period">1 s</setting>
  </event>
  <event name="jdk.ObjectAllocationSample">
    <setting name="enabled">true</setting>
    <setting name="throttle">300/s</setting>
    <setting name="stackTrace">true</setting>
  </event>
</configuration>
EOF

# Start-up (JavaCPP unpacks FFmpeg's natives into the fresh cache) can take long on a busy machine: the
# warm-up counts from the first segment of every camera.
for _ in $(seq 600); do
  [ "$(find "$work/footage" -name '*.mp4' 2>/dev/null | wc -l)" -ge "$cameras" ] && break
  kill -0 "$nvr" 2>/dev/null || break
  sleep 0.5
done
sleep "$warmup"
kill -0 "$nvr" 2>/dev/null || { echo "alloc.sh: nvr exited early (see $work/nvr.log)" >&2; KEEP=1; exit 1; }
jcmd "$nvr" JFR.start name=alloc settings="$work/alloc.jfc" >/dev/null
b0=$(du -sb "$work/footage" | cut -f1)
sleep "$seconds"
b1=$(du -sb "$work/footage" | cut -f1)
jcmd "$nvr" JFR.dump name=alloc filename="$work/alloc.jfr" >/dev/null
jcmd "$nvr" JFR.stop name=alloc >/dev/null
kill -TERM "$nvr"
wait "$nvr" 2>/dev/null || true

jfr print --json --events jdk.ThreadAllocationStatistics,jdk.ObjectAllocationSample "$work/alloc.jfr" \
  >"$work/alloc.json"
/usr/bin/python3 - "$work/alloc.json" "$b0" "$b1" "$top" <<'EOF'
import collections, json, re, sys

events = json.load(open(sys.argv[1]))["recording"]["events"]
gb = (int(sys.argv[3]) - int(sys.argv[2])) / 1e9
top = int(sys.argv[4])
if gb <= 0:
    sys.exit("alloc.sh: nothing was written while measured")

def group(name):
    for prefix, label in (("nvr-rtsp", "camera loops (nvr-rtsp)"), ("nvr-writer", "writer lanes (nvr-writer)"),
                          ("nvr-finish", "closing segments (nvr-finish)"), ("nvr-sync", "fsync (nvr-sync)")):
        if name.startswith(prefix):
            return label
    return "other threads"

first, last, names = {}, {}, {}
sites = collections.Counter()
for e in events:
    v = e["values"]
    if e["type"] == "jdk.ThreadAllocationStatistics":
        t = v["thread"] or {}
        tid = t.get("javaThreadId") or t.get("osThreadId")
        names[tid] = t.get("javaName") or t.get("osName") or "?"
        first.setdefault(tid, v["allocated"])
        last[tid] = v["allocated"]
    else:
        frames = (v.get("stackTrace") or {}).get("frames") or []
        where = next((f for f in frames if not re.match(r"java/|jdk/|sun/", f["method"]["type"]["name"])),
                     frames[0] if frames else None)
        site = "?" if where is None else where["method"]["type"]["name"].split("/")[-1] + "." + where["method"]["name"]
        sites[v["objectClass"]["name"].split("/")[-1] + " in " + site] += v["weight"]

by_group = collections.Counter()
for tid in last:
    grown = last[tid] - first[tid]
    by_group[group(names[tid])] += grown
total = sum(by_group.values())
print(f"  {gb:.2f} GB written, {total / 1e6:.0f} MB allocated on the heap: {total / 1e6 / gb:.0f} MB per GB")
for g, b in by_group.most_common():
    print(f"    {g:34s} {b / 1e6 / gb:8.0f} MB/GB")
sampled = sum(sites.values())
print(f"  where (sampled allocations, top {top}):")
for s, w in sites.most_common(top):
    print(f"    {100 * w / sampled:5.1f} %  {s}")
EOF
