#!/usr/bin/env bash
# nvr against the recorders people build by hand, on the same streams: records N cameras with
#   nvr         'nvr run' (one JVM for all cameras) through our own RTSP client (source: rtsp, the default),
#               with the daemon's JVM flags ($NVR_JAVA_OPTS);
#   nvr-ffmpeg  the same daemon with every camera on FFmpeg's RTSP reader (source: ffmpeg);
#   ffmpeg      one 'ffmpeg -rtsp_transport tcp -i URL -c copy -f segment -segment_time 60' per camera;
#   gst         one gst-launch-1.0 process holding N 'rtspsrc ! rtph264depay ! h264parse ! splitmuxsink'
#               branches (60 s MP4 files), as a GStreamer-based recorder would be one process;
# one after the other, then prints for each: CPU seconds per GB recorded, total RSS (and PSS, which
# shares libraries fairly between processes), threads, pictures sent by the server against pictures
# in the files, and ratios to ffmpeg.
#
#   bench/compare.sh [CAMERAS=8] [SECONDS=60] [CONTENDERS="nvr nvr-ffmpeg ffmpeg gst"]
#
# The stream (CLIP=1080p, the default): a 1080p 25 fps H.264 clip (Main profile, no B-frames, 2 s GOP,
# ~4 Mbit/s CBR, 20 s, made at start with ffmpeg/libx264 and deleted at the end); CLIP=360p is a
# camera's substream instead (640x360 25 fps, ~0.5 Mbit/s; bench/many-cameras.sh records 256 of them).
# It is served by the test RTSP server (recorder-core/src/test/resources/gst/rtsp_server.py, mount
# /clip) in a loop, one pipeline per client starting at the clip's first picture: each camera is its
# own stream, as with real cameras. All clients use RTSP over TCP. One server process carries at most
# CAMS_PER_SERVER streams (default 16: a GStreamer process is single-minded enough that 64 x 4 Mbit/s
# from one falls behind real time), so 64 cameras are served by 4 processes, camera i by server i mod 4.
# The servers' CPU and their pace (pictures sent / pictures due in real time) are printed, so a run
# whose server could not keep up is visible as such.
#
# Measurement, per contender: it starts; after WARMUP seconds (default 30: start-up and the JIT
# compiler's first minute excluded, since a recorder runs for months; "incl. start" has them) CPU
# time (user+system of its processes, from /proc) and bytes on disk are read, then again SECONDS
# later; CPU/GB is the quotient of the differences ("incl. start" divides all CPU since the start
# by all bytes). RSS, PSS and threads are sampled every 5 s; the largest total is shown. Then the
# server ends every stream after its current picture (RTCP BYE; the ffmpeg and gst processes exit
# by themselves, nvr gets SIGTERM) and prints how many pictures it sent; the pictures written are
# the video packets ffprobe counts in the files. lost = sent - written. For nvr and nvr-ffmpeg the
# CPU is also split by thread group, and the daemon's threads are listed by name.
#
# STRACE=1 adds a second pass per contender, after the measured ones (strace slows what it traces, so
# it never overlaps the CPU measurement): the contender runs again and, after the warm-up,
# 'strace -c -f -p' is attached to all its processes for STRACE_SECONDS (default SECONDS); printed are
# system calls per GB written in that window and the most frequent calls.
#
# Environment: WARMUP (s), CLIP (1080p|360p), CAMS_PER_SERVER, STRACE=1, STRACE_SECONDS,
# NVR_JAVA_OPTS (default: the flags of systemd/nvr.service), KEEP=1 keeps the work directory (footage,
# logs) and prints where it is, TMPDIR for where it goes (needs about CAMERAS x SECONDS x 0.5 MB per
# contender at 1080p; each contender's footage is deleted once counted).
# Needs: the jar (built if missing), java 17, ffmpeg+ffprobe with libx264, gst-launch-1.0 with
# rtspsrc/splitmuxsink (gstreamer1.0-plugins-good), /usr/bin/python3 with python3-gi and
# gir1.2-gst-rtsp-server-1.0; strace for STRACE=1.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
cameras=${1:-8}
seconds=${2:-60}
contenders=${3:-nvr nvr-ffmpeg ffmpeg gst}
warmup=${WARMUP:-30}
clip=${CLIP:-1080p}
per_server=${CAMS_PER_SERVER:-16}
strace_seconds=${STRACE_SECONDS:-$seconds}
fps=25
# nvr runs through the packaged launcher (packaging/nvr), so it gets the daemon's JVM flags exactly as
# systemd starts it; NVR_JAVA_OPTS adds flags after them, as /etc/default/nvr does.
jar=recorder-cli/target/nvr.jar
server=recorder-core/src/test/resources/gst/rtsp_server.py

tools=(java ffmpeg ffprobe gst-launch-1.0 /usr/bin/python3)
[ -n "${STRACE:-}" ] && tools+=(strace)
for tool in "${tools[@]}"; do
  command -v "$tool" >/dev/null || { echo "compare.sh: $tool not found" >&2; exit 1; }
done
for name in $contenders; do
  case $name in nvr|nvr-ffmpeg|ffmpeg|gst) ;; *) echo "compare.sh: unknown contender '$name'" >&2; exit 2 ;; esac
done
case $clip in
  1080p) size=1920x1080 rate=4M ;;
  360p) size=640x360 rate=500k ;;
  *) echo "compare.sh: CLIP must be 1080p or 360p, not '$clip'" >&2; exit 2 ;;
esac
[ -f "$jar" ] || mvn -B -q -DskipTests package
servers=$(( (cameras + per_server - 1) / per_server ))

work=$(mktemp -d "${TMPDIR:-/tmp}/nvr-compare.XXXXXX")
running=()
cleanup() {
  for p in "${running[@]}"; do kill "$p" 2>/dev/null || true; done
  if [ -n "${KEEP:-}" ]; then echo "work directory kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

echo "compare.sh: $cameras camera(s) of the $clip clip from $servers server process(es), $seconds s measured" \
  "after $warmup s, on $(nproc) core(s), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "making the clip ($clip 25 fps H.264, $rate bit/s, 20 s)..."
ffmpeg -nostdin -hide_banner -loglevel error -f lavfi \
  -i "testsrc2=size=$size:rate=$fps,noise=alls=12:allf=t" -t 20 -pix_fmt yuv420p \
  -c:v libx264 -preset veryfast -profile:v main -bf 0 -g 50 -b:v "$rate" -maxrate "$rate" -bufsize "$rate" \
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
thread_names() { # one JVM's threads by name, numbers folded ("nvr-rtsp-4-#  2")
  cat /proc/"$1"/task/*/comm 2>/dev/null | sed 's/[0-9][0-9]*/#/g' | sort | uniq -c | sort -rn \
    | awk '{n = $1; $1 = ""; printf "%s%s x%d", (NR > 1 ? ", " : ""), substr($0, 2), n} END {print ""}'
}

# ---- the RTSP servers: start_servers DIR sets srv_pids and ports; camera_url I ---------------------
start_servers() {
  local dir=$1 s port
  srv_pids=() ports=()
  for s in $(seq "$servers"); do
    /usr/bin/python3 "$server" --port 0 --clip "$work/clip.h264" >"$dir/server-$s.out" 2>"$dir/server-$s.log" &
    srv_pids+=($!)
    running+=($!)
  done
  for s in $(seq "$servers"); do
    for _ in $(seq 100); do grep -q READY "$dir/server-$s.out" && break; sleep 0.1; done
    port=$(awk '/READY/{print $2}' "$dir/server-$s.out")
    [ -n "$port" ] || { echo "the RTSP server did not start (see $dir/server-$s.log)" >&2; exit 1; }
    ports+=("$port")
  done
}
camera_url() { echo "rtsp://127.0.0.1:${ports[$(( ($1 - 1) % servers ))]}/clip"; }

# ---- contenders: start_<name> DIR sets pids ---------------------------------------------------------
nvr_daemon() { # DIR SOURCE: 'nvr run' with every camera on that source
  local dir=$1 source=$2 i
  {
    echo "storage: { root: $dir/footage, segment_seconds: 60 }"
    echo "metrics: { listen: 127.0.0.1:0 }"
    echo "sites:"
    echo "  - id: bench"
    echo "    cameras:"
    for i in $(seq "$cameras"); do
      echo "      - { id: cam-$i, url: \"$(camera_url "$i")\", transport: tcp, source: $source }"
    done
  } >"$dir/nvr.yaml"
  mkdir -p "$work/prefix/bin" "$work/prefix/share/nvr" "$work/cache"
  cp packaging/nvr "$work/prefix/bin/nvr"
  ln -sf "$repo/$jar" "$work/prefix/share/nvr/nvr.jar"
  CACHE_DIRECTORY="$work/cache" "$work/prefix/bin/nvr" run --config "$dir/nvr.yaml" 2>"$dir/nvr.log" &
  pids=($!)
}
start_nvr() { nvr_daemon "$1" rtsp; }
start_nvr_ffmpeg() { nvr_daemon "$1" ffmpeg; }
start_ffmpeg() {
  local dir=$1 i
  pids=()
  for i in $(seq "$cameras"); do
    mkdir -p "$dir/footage/cam-$i"
    ffmpeg -nostdin -hide_banner -loglevel error -rtsp_transport tcp -i "$(camera_url "$i")" -c copy -f segment \
      -segment_time 60 -reset_timestamps 1 -strftime 1 "$dir/footage/cam-$i/%Y%m%dT%H%M%S.mp4" \
      2>"$dir/ffmpeg-$i.log" &
    pids+=($!)
  done
}
start_gst() {
  local dir=$1 i branches=()
  for i in $(seq "$cameras"); do
    mkdir -p "$dir/footage/cam-$i"
    branches+=(rtspsrc "location=$(camera_url "$i")" protocols=tcp ! rtph264depay ! h264parse ! splitmuxsink
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

# Ends the servers' streams, the contender and the servers; sets sent (pictures, all servers) and
# pace (sent / pictures due in real time from each stream's first picture to the end).
stop_all() {
  local name=$1 dir=$2 s p missing=0
  kill -USR1 "${srv_pids[@]}" # end every stream after its current picture
  # With many clients the server's main loop takes a while to end every stream and report.
  for s in $(seq "$servers"); do
    for _ in $(seq 600); do grep -q '^SENT' "$dir/server-$s.out" && break; sleep 0.1; done
    grep -q '^SENT' "$dir/server-$s.out" || missing=1
  done
  ((missing == 0)) || echo "$name: a server did not report what it sent within 60 s" >&2
  case $name in nvr*) sleep 3; kill -TERM "${pids[0]}" ;; esac
  for _ in $(seq 300); do still_running "${pids[@]}" || break; sleep 0.1; done
  if still_running "${pids[@]}"; then
    echo "$name: still running 30 s after the streams ended; interrupting it" >&2
    kill -INT "${pids[@]}" 2>/dev/null || true
  fi
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  kill "${srv_pids[@]}" 2>/dev/null || true
  for p in "${srv_pids[@]}"; do wait "$p" 2>/dev/null || true; done
  sent=$(cat "$dir"/server-*.out | awk '/^SENT/{s += $2} END {print s + 0}')
  pace=$(cat "$dir"/server-*.out | awk -v f="$fps" '/^SENT/{s += $2; t += $4} END {printf "%.3f", (t > 0 ? s / (t * f) : 0)}')
}

# ---- one contender -----------------------------------------------------------------------------------
declare -A cpu_gb cpu_gb_all rss pss threads sent_of written srv_cpu pace_of names cam_gb syscalls
measure() {
  local name=$1 dir="$work/$1" t0 t1 c0 c1 s0 s1 b0 b1 ticks end left r p th max_rss=0 max_pss=0 max_threads=0
  mkdir -p "$dir/footage"
  start_servers "$dir"
  "start_${name//-/_}" "$dir"
  running+=("${pids[@]}")
  sleep "$warmup"
  still_running "${pids[@]}" || { echo "$name exited early; logs in $dir" >&2; KEEP=1; exit 1; }
  c0=$(cpu_ticks "${pids[@]}")
  s0=$(cpu_ticks "${srv_pids[@]}")
  case $name in nvr*) thread_ticks "${pids[0]}" >"$dir/threads0" ;; esac
  b0=$(footage_bytes "$dir/footage")
  t0=$(date +%s.%N)
  # Sampled every 5 s until SECONDS have passed: on a busy machine reading /proc of many processes takes
  # a while, which must not stretch the window.
  end=$(( $(date +%s) + seconds ))
  while (( (left = end - $(date +%s)) > 0 )); do
    sleep $((left < 5 ? left : 5))
    r=$(status_sum VmRSS "${pids[@]}"); p=$(pss_kb "${pids[@]}"); th=$(status_sum Threads "${pids[@]}")
    ((r > max_rss)) && max_rss=$r
    ((p > max_pss)) && max_pss=$p
    ((th > max_threads)) && max_threads=$th
  done
  c1=$(cpu_ticks "${pids[@]}")
  s1=$(cpu_ticks "${srv_pids[@]}")
  case $name in nvr*) thread_ticks "${pids[0]}" >"$dir/threads1"; names[$name]=$(thread_names "${pids[0]}") ;; esac
  b1=$(footage_bytes "$dir/footage")
  t1=$(date +%s.%N)
  stop_all "$name" "$dir"

  ticks=$(getconf CLK_TCK)
  cpu_gb[$name]=$(awk -v a="$c0" -v b="$c1" -v t="$ticks" -v x="$b0" -v y="$b1" \
    'BEGIN {printf "%.2f", (y > x) ? (b - a) / t / ((y - x) / 1e9) : 0}')
  cpu_gb_all[$name]=$(awk -v b="$c1" -v t="$ticks" -v y="$b1" 'BEGIN {printf "%.2f", (y > 0) ? b / t / (y / 1e9) : 0}')
  rss[$name]=$((max_rss / 1024))
  pss[$name]=$((max_pss / 1024))
  threads[$name]=$max_threads
  sent_of[$name]=$sent
  pace_of[$name]=$pace
  srv_cpu[$name]=$(awk -v a="$s0" -v b="$s1" -v t="$ticks" -v x="$t0" -v y="$t1" 'BEGIN {printf "%.0f", (b - a) / t / (y - x) * 100}')
  written[$name]=$(find "$dir/footage" -name '*.mp4' -print0 \
    | xargs -0 -r -n 1 -P "$(nproc)" ffprobe -v error -select_streams v:0 -count_packets \
        -show_entries stream=nb_read_packets -of csv=p=0 \
    | awk '{s += $1} END {print s + 0}')
  awk -v n="$name" -v a="$t0" -v b="$t1" -v x="$b0" -v y="$b1" -v c="$c0" -v d="$c1" -v t="$ticks" \
    'BEGIN {printf "  %-10s measured %.1f s: %.2f GB written, %.1f CPU s (%.0f %% of one core)\n",
            n, b - a, (y - x) / 1e9, (d - c) / t, (d - c) / t / (b - a) * 100}'
  echo "  servers    ${srv_cpu[$name]} % of one core while measured; pace $pace (pictures sent / due in real time)"
  case $name in nvr*)
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
    cam_gb[$name]=$(awk '/^cameras /{print $2}' <<<"$breakdown")
  esac
  [ -n "${KEEP:-}" ] || rm -rf "$dir/footage"
}

# The strace pass of one contender: system calls of all its processes (and threads) while attached.
trace() {
  local name=$1 dir="$work/$1-strace" b0 b1 tracer args=() p
  mkdir -p "$dir/footage"
  start_servers "$dir"
  "start_${name//-/_}" "$dir"
  running+=("${pids[@]}")
  sleep "$warmup"
  still_running "${pids[@]}" || { echo "$name exited early; logs in $dir" >&2; KEEP=1; exit 1; }
  for p in "${pids[@]}"; do args+=(-p "$p"); done
  b0=$(footage_bytes "$dir/footage")
  strace -c -f -qq -o "$dir/strace.txt" "${args[@]}" 2>"$dir/strace.log" &
  tracer=$!
  sleep "$strace_seconds"
  kill -INT "$tracer"
  wait "$tracer" 2>/dev/null || true
  b1=$(footage_bytes "$dir/footage")
  stop_all "$name" "$dir"
  # strace -c: "% time  seconds  usecs/call  calls  errors  syscall", then a "total" line
  syscalls[$name]=$(awk -v x="$b0" -v y="$b1" -v n="$name" -v s="$strace_seconds" '
    $1 ~ /^[0-9.]+$/ && NF >= 5 && $NF != "total" { calls[$NF] = $4 }
    END {
      gb = (y - x) / 1e9
      if (gb <= 0) { printf "  %-10s wrote nothing while traced\n", n; exit }
      total = 0; for (c in calls) total += calls[c]
      printf "  %-10s %.2f GB in %d s traced: %.0f calls/GB (%.0f/s); top:", n, gb, s, total / gb, total / s
      k = 0
      while (k < 6) {
        best = ""; for (c in calls) if (best == "" || calls[c] > calls[best]) best = c
        if (best == "") break
        printf "%s %s %.0f/GB", (k ? "," : ""), best, calls[best] / gb; delete calls[best]; k++
      }
      print ""
    }' "$dir/strace.txt")
  [ -n "${KEEP:-}" ] || rm -rf "$dir/footage"
}

for name in $contenders; do
  echo "recording $cameras camera(s) with $name..."
  measure "$name"
done
if [ -n "${STRACE:-}" ]; then
  for name in $contenders; do
    echo "recording $cameras camera(s) with $name under strace..."
    trace "$name"
  done
fi

ratio() { # value / ffmpeg's value, when ffmpeg was measured; FORMAT (default %.2f)
  local base=${2:-} format=${3:-%.2f}
  if [ -z "$base" ] || [ "$base" = 0 ] || [ "$base" = 0.00 ]; then echo "-"; else
    awk -v a="$1" -v b="$base" -v f="${format}x" 'BEGIN {printf f, a / b}'; fi
}
echo
printf "%-10s %5s %9s %7s %11s %7s %7s %7s %7s %8s %8s %6s %7s %5s\n" contender cams "CPU s/GB" "ratio" \
  "incl.start" "RSS MB" "ratio" "PSS MB" threads "sent" "written" "lost" "srv CPU" pace
for name in $contenders; do
  printf "%-10s %5s %9s %7s %11s %7s %7s %7s %7s %8s %8s %6s %6s%% %5s\n" "$name" "$cameras" "${cpu_gb[$name]}" \
    "$(ratio "${cpu_gb[$name]}" "${cpu_gb[ffmpeg]:-}")" "${cpu_gb_all[$name]}" "${rss[$name]}" \
    "$(ratio "${rss[$name]}" "${rss[ffmpeg]:-}" %.3f)" "${pss[$name]}" "${threads[$name]}" "${sent_of[$name]}" \
    "${written[$name]}" "$(( sent_of[$name] - written[$name] ))" "${srv_cpu[$name]}" "${pace_of[$name]}"
done
for name in $contenders; do
  [ -f "$work/$name/breakdown" ] || continue
  echo
  echo "$name's CPU while measured, by thread:"
  cat "$work/$name/breakdown"
  echo "  camera threads alone: ${cam_gb[$name]} s/GB, $(ratio "${cam_gb[$name]}" "${cpu_gb[ffmpeg]:-}") of ffmpeg's CPU s/GB"
  echo "  threads by name: ${names[$name]}"
done
if [ -n "${STRACE:-}" ]; then
  echo
  echo "system calls (strace -c -f, all processes and threads of each contender):"
  for name in $contenders; do echo "${syscalls[$name]}"; done
fi
