#!/usr/bin/env bash
# nvr against the recorders people build by hand, on the same streams: records N cameras with
#   nvr     'nvr run' (one JVM for all cameras), with the daemon's JVM flags ($NVR_JAVA_OPTS);
#   ffmpeg  one 'ffmpeg -rtsp_transport tcp -i URL -c copy -f segment -segment_time 60' per camera;
#   gst     one gst-launch-1.0 process holding N 'rtspsrc ! rtph264depay ! h264parse ! splitmuxsink'
#           branches (60 s MP4 files), as a GStreamer-based recorder would be one process;
# one after the other, then prints for each: CPU seconds per GB recorded, total RSS (and PSS, which
# shares libraries fairly between processes), threads, pictures sent by the server against pictures
# in the files, and ratios to ffmpeg.
#
#   bench/compare.sh [CAMERAS=8] [SECONDS=60] [CONTENDERS="nvr ffmpeg gst"]
#
# The stream: a 1080p 25 fps H.264 clip (Main profile, no B-frames, 2 s GOP, ~4 Mbit/s CBR, 20 s,
# made at start with ffmpeg/libx264 and deleted at the end) served by the test RTSP server
# (recorder-core/src/test/resources/gst/rtsp_server.py, mount /clip) in a loop, one pipeline per
# client starting at the clip's first picture: each camera is its own stream, as with real cameras.
# All clients use RTSP over TCP.
#
# Measurement, per contender: it starts; after WARMUP seconds (default 30: start-up and the JIT
# compiler's first minute excluded, since a recorder runs for months; "incl. start" has them) CPU
# time (user+system of its processes, from /proc) and bytes on disk are read, then again SECONDS
# later; CPU/GB is the quotient of the differences ("incl. start" divides all CPU since the start
# by all bytes). RSS, PSS and threads are sampled every 5 s; the largest total is shown. Then the
# server ends every stream after its current picture (RTCP BYE; the ffmpeg and gst processes exit
# by themselves, nvr gets SIGTERM) and prints how many pictures it sent; the pictures written are
# the video packets ffprobe counts in the files. lost = sent - written.
#
# Environment: WARMUP (s), NVR_JAVA_OPTS (default: the flags of systemd/nvr.service), KEEP=1 keeps
# the work directory (footage, logs) and prints where it is, TMPDIR for where it goes (needs about
# CAMERAS x SECONDS x 0.5 MB per contender; each contender's footage is deleted once counted).
# Needs: the jar (built if missing), java 17, ffmpeg+ffprobe with libx264, gst-launch-1.0 with
# rtspsrc/splitmuxsink (gstreamer1.0-plugins-good), /usr/bin/python3 with python3-gi and
# gir1.2-gst-rtsp-server-1.0.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
cameras=${1:-8}
seconds=${2:-60}
contenders=${3:-nvr ffmpeg gst}
warmup=${WARMUP:-30}
# nvr runs through the packaged launcher (packaging/nvr), so it gets the daemon's JVM flags exactly as
# systemd starts it; NVR_JAVA_OPTS adds flags after them, as /etc/default/nvr does.
jar=recorder-cli/target/nvr.jar
server=recorder-core/src/test/resources/gst/rtsp_server.py

for tool in java ffmpeg ffprobe gst-launch-1.0 /usr/bin/python3; do
  command -v "$tool" >/dev/null || { echo "compare.sh: $tool not found" >&2; exit 1; }
done
[ -f "$jar" ] || mvn -B -q -DskipTests package

work=$(mktemp -d "${TMPDIR:-/tmp}/nvr-compare.XXXXXX")
running=()
cleanup() {
  for p in "${running[@]}"; do kill "$p" 2>/dev/null || true; done
  if [ -n "${KEEP:-}" ]; then echo "work directory kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

echo "compare.sh: $cameras camera(s), $seconds s measured after $warmup s, on $(nproc) core(s)," \
  "load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "making the clip (1080p25 H.264, 4 Mbit/s, 20 s)..."
ffmpeg -nostdin -hide_banner -loglevel error -f lavfi \
  -i "testsrc2=size=1920x1080:rate=25,noise=alls=12:allf=t" -t 20 -pix_fmt yuv420p \
  -c:v libx264 -preset veryfast -profile:v main -bf 0 -g 50 -b:v 4M -maxrate 4M -bufsize 4M \
  -x264-params "nal-hrd=cbr:force-cfr=1:repeat-headers=1" -f h264 "$work/clip.h264"

# ---- /proc readings over a list of pids ------------------------------------------------------------
cpu_ticks() { # user+system ticks; fields after the ")" that ends the command name
  local p sum=0 t
  for p in "$@"; do
    t=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | awk '{print $12 + $13}') || t=0
    sum=$((sum + ${t:-0}))
  done
  echo "$sum"
}
status_sum() { # sum of one /proc/<pid>/status field (VmRSS kB, Threads)
  local field=$1 p sum=0 v
  shift
  for p in "$@"; do
    v=$(awk -v f="$field:" '$1 == f {print $2}' "/proc/$p/status" 2>/dev/null) || v=0
    sum=$((sum + ${v:-0}))
  done
  echo "$sum"
}
pss_kb() {
  local p sum=0 v
  for p in "$@"; do
    v=$(awk '$1 == "Pss:" {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null) || v=0
    sum=$((sum + ${v:-0}))
  done
  echo "$sum"
}
footage_bytes() { du -sb "$1" 2>/dev/null | cut -f1; }
thread_ticks() { # per thread group of one JVM: "group ticks" lines, for nvr's CPU breakdown
  local t name v
  for t in /proc/"$1"/task/*; do
    name=$(cat "$t/comm" 2>/dev/null) || continue
    v=$(sed 's/.*) //' "$t/stat" 2>/dev/null | awk '{print $12 + $13}') || continue
    case $name in
      nvr-cam-*|nvr-rtsp-*|nvr-writer-*) echo "cameras ${v:-0}" ;;
      nvr-finish) echo "finisher ${v:-0}" ;;
      nvr-sync) echo "sync ${v:-0}" ;;
      C1\ CompilerThre*|C2\ CompilerThre*) echo "jit ${v:-0}" ;;
      VM\ *|GC\ *|Reference*|Finalizer|Signal*|Service*|Monitor*|Common-Cleaner|Notification*|Sweeper*) echo "jvm ${v:-0}" ;;
      *) echo "other ${v:-0}" ;;
    esac
  done | awk '{s[$1] += $2} END {for (k in s) print k, s[k]}'
}

# ---- contenders: start_<name> DIR URL sets pids ----------------------------------------------------
start_nvr() {
  local dir=$1 url=$2 i
  {
    echo "storage: { root: $dir/footage, segment_seconds: 60 }"
    echo "metrics: { listen: 127.0.0.1:0 }"
    echo "sites:"
    echo "  - id: bench"
    echo "    cameras:"
    for i in $(seq "$cameras"); do echo "      - { id: cam-$i, url: \"$url\", transport: tcp }"; done
  } >"$dir/nvr.yaml"
  mkdir -p "$work/prefix/bin" "$work/prefix/share/nvr" "$work/cache"
  cp packaging/nvr "$work/prefix/bin/nvr"
  ln -sf "$repo/$jar" "$work/prefix/share/nvr/nvr.jar"
  CACHE_DIRECTORY="$work/cache" "$work/prefix/bin/nvr" run --config "$dir/nvr.yaml" 2>"$dir/nvr.log" &
  pids=($!)
}
start_ffmpeg() {
  local dir=$1 url=$2 i
  pids=()
  for i in $(seq "$cameras"); do
    mkdir -p "$dir/footage/cam-$i"
    ffmpeg -nostdin -hide_banner -loglevel error -rtsp_transport tcp -i "$url" -c copy -f segment \
      -segment_time 60 -reset_timestamps 1 -strftime 1 "$dir/footage/cam-$i/%Y%m%dT%H%M%S.mp4" \
      2>"$dir/ffmpeg-$i.log" &
    pids+=($!)
  done
}
start_gst() {
  local dir=$1 url=$2 i branches=()
  for i in $(seq "$cameras"); do
    mkdir -p "$dir/footage/cam-$i"
    branches+=(rtspsrc "location=$url" protocols=tcp ! rtph264depay ! h264parse ! splitmuxsink
      "location=$dir/footage/cam-$i/%05d.mp4" max-size-time=60000000000 muxer-factory=mp4mux)
  done
  gst-launch-1.0 -q -e "${branches[@]}" >"$dir/gst.log" 2>&1 &
  pids=($!)
}

still_running() {
  local p
  for p in "$@"; do kill -0 "$p" 2>/dev/null && return 0; done
  return 1
}

# ---- one contender -----------------------------------------------------------------------------------
declare -A cpu_gb cpu_gb_all rss pss threads sent written
measure() {
  local name=$1 dir="$work/$1" srv port t0 t1 c0 c1 b0 b1 ticks i r p th max_rss=0 max_pss=0 max_threads=0
  mkdir -p "$dir/footage"
  /usr/bin/python3 "$server" --port 0 --clip "$work/clip.h264" >"$dir/server.out" 2>"$dir/server.log" &
  srv=$!
  running+=("$srv")
  for _ in $(seq 100); do grep -q READY "$dir/server.out" && break; sleep 0.1; done
  port=$(awk '/READY/{print $2}' "$dir/server.out")
  [ -n "$port" ] || { echo "$name: the RTSP server did not start (see $dir/server.log)" >&2; exit 1; }

  "start_$name" "$dir" "rtsp://127.0.0.1:$port/clip"
  running+=("${pids[@]}")
  sleep "$warmup"
  still_running "${pids[@]}" || { echo "$name exited early; logs in $dir" >&2; KEEP=1; exit 1; }
  c0=$(cpu_ticks "${pids[@]}")
  [ "$name" = nvr ] && thread_ticks "${pids[0]}" >"$dir/threads0"
  b0=$(footage_bytes "$dir/footage")
  t0=$(date +%s.%N)
  for ((i = 0; i < seconds; i += 5)); do
    sleep $((seconds - i < 5 ? seconds - i : 5))
    r=$(status_sum VmRSS "${pids[@]}"); p=$(pss_kb "${pids[@]}"); th=$(status_sum Threads "${pids[@]}")
    ((r > max_rss)) && max_rss=$r
    ((p > max_pss)) && max_pss=$p
    ((th > max_threads)) && max_threads=$th
  done
  c1=$(cpu_ticks "${pids[@]}")
  [ "$name" = nvr ] && thread_ticks "${pids[0]}" >"$dir/threads1"
  b1=$(footage_bytes "$dir/footage")
  t1=$(date +%s.%N)

  kill -USR1 "$srv" # end every stream after its current picture
  # With many clients the server's main loop takes a while to end every stream and report.
  for _ in $(seq 600); do grep -q '^SENT' "$dir/server.out" && break; sleep 0.1; done
  grep -q '^SENT' "$dir/server.out" || echo "$name: the server did not report what it sent within 60 s" >&2
  [ "$name" = nvr ] && { sleep 3; kill -TERM "${pids[0]}"; }
  for _ in $(seq 300); do still_running "${pids[@]}" || break; sleep 0.1; done
  if still_running "${pids[@]}"; then
    echo "$name: still running 30 s after the streams ended; interrupting it" >&2
    kill -INT "${pids[@]}" 2>/dev/null || true
  fi
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  kill "$srv" 2>/dev/null || true
  wait "$srv" 2>/dev/null || true

  ticks=$(getconf CLK_TCK)
  cpu_gb[$name]=$(awk -v a="$c0" -v b="$c1" -v t="$ticks" -v x="$b0" -v y="$b1" \
    'BEGIN {printf "%.2f", (y > x) ? (b - a) / t / ((y - x) / 1e9) : 0}')
  cpu_gb_all[$name]=$(awk -v b="$c1" -v t="$ticks" -v y="$b1" 'BEGIN {printf "%.2f", (y > 0) ? b / t / (y / 1e9) : 0}')
  rss[$name]=$((max_rss / 1024))
  pss[$name]=$((max_pss / 1024))
  threads[$name]=$max_threads
  sent[$name]=$(awk '/^SENT/{print $2}' "$dir/server.out")
  written[$name]=$(find "$dir/footage" -name '*.mp4' -print0 \
    | xargs -0 -r -n 1 -P "$(nproc)" ffprobe -v error -select_streams v:0 -count_packets \
        -show_entries stream=nb_read_packets -of csv=p=0 \
    | awk '{s += $1} END {print s + 0}')
  awk -v n="$name" -v a="$t0" -v b="$t1" -v x="$b0" -v y="$b1" -v c="$c0" -v d="$c1" -v t="$ticks" \
    'BEGIN {printf "  %-6s measured %.1f s: %.2f GB written, %.1f CPU s (%.0f %% of one core)\n",
            n, b - a, (y - x) / 1e9, (d - c) / t, (d - c) / t / (b - a) * 100}'
  if [ "$name" = nvr ]; then
    # Where nvr's CPU went while measured, per thread group, in s/GB (a group that started while measured
    # counts from zero; threads that ended are not counted).
    breakdown=$(join -a 2 -e 0 -o 0,1.2,2.2 <(sort "$dir/threads0") <(sort "$dir/threads1") | awk -v t="$ticks" -v x="$b0" -v y="$b1" '
      BEGIN {
        label["cameras"] = "camera work (nvr-cam, nvr-rtsp, nvr-writer)"
        label["finisher"] = "closing segments (fsync, SHA-256)"
        label["sync"] = "fsync of open segments each second"
        label["jit"] = "JIT compiler"
        label["jvm"] = "JVM (GC, safepoints, sampling)"
        label["other"] = "index, retention, metrics, event loop"
      }
      { gb = (y - x) / 1e9; v[$1] = gb > 0 ? ($3 - $2) / t / gb : 0; total += v[$1] }
      END {
        n = split("cameras finisher sync jit jvm other", order, " ")
        for (i = 1; i <= n; i++) {
          k = order[i]
          if (k in v) printf "    %-40s %6.2f s/GB %5.1f %%\n", label[k], v[k], (total > 0 ? v[k] / total * 100 : 0)
        }
        printf "cameras %.2f\n", v["cameras"]
      }')
    grep -v '^cameras ' <<<"$breakdown" >"$dir/breakdown"
    cam_gb=$(awk '/^cameras /{print $2}' <<<"$breakdown")
  fi
  [ -n "${KEEP:-}" ] || rm -rf "$dir/footage"
}

for name in $contenders; do
  echo "recording $cameras camera(s) with $name..."
  measure "$name"
done

ratio() { # value / ffmpeg's value, when ffmpeg was measured
  local base=${2:-}
  if [ -z "$base" ] || [ "$base" = 0 ] || [ "$base" = 0.00 ]; then echo "-"; else
    awk -v a="$1" -v b="$base" 'BEGIN {printf "%.2fx", a / b}'; fi
}
echo
printf "%-7s %5s %9s %7s %13s %9s %7s %9s %8s %8s %9s %6s\n" contender cams "CPU s/GB" "ratio" \
  "incl. start" "RSS MB" "ratio" "PSS MB" threads "sent" "written" "lost"
for name in $contenders; do
  printf "%-7s %5s %9s %7s %13s %9s %7s %9s %8s %8s %9s %6s\n" "$name" "$cameras" "${cpu_gb[$name]}" \
    "$(ratio "${cpu_gb[$name]}" "${cpu_gb[ffmpeg]:-}")" "${cpu_gb_all[$name]}" "${rss[$name]}" \
    "$(ratio "${rss[$name]}" "${rss[ffmpeg]:-}")" "${pss[$name]}" "${threads[$name]}" "${sent[$name]}" \
    "${written[$name]}" "$( [ -n "${sent[$name]}" ] && echo $(( sent[$name] - written[$name] )) || echo "?" )"
done
if [ -f "$work/nvr/breakdown" ]; then
  echo
  echo "nvr's CPU while measured, by thread:"
  cat "$work/nvr/breakdown"
  echo "  camera threads alone: ${cam_gb} s/GB, $(ratio "$cam_gb" "${cpu_gb[ffmpeg]:-}") of ffmpeg's CPU s/GB"
fi
