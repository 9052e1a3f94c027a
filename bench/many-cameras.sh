#!/usr/bin/env bash
# Many substreams on one small machine: records CAMERAS (default 256) streams of a camera's substream
# (640x360 25 fps H.264, ~0.5 Mbit/s, 2 s GOP) for SECONDS (default 600) with nvr through our RTSP
# client, then prints pictures sent by the servers against pictures written (lost = sent - written,
# the target is 0), CPU, RSS and threads. It is bench/compare.sh with CLIP=360p, so that script's
# header explains the measurement and its environment (WARMUP, KEEP, TMPDIR, STRACE=1).
#
#   bench/many-cameras.sh [CAMERAS=256] [SECONDS=600] [CONTENDERS=nvr]
#
# The streams come from CAMERAS / CAMS_PER_SERVER (default 32) gst-rtsp-server processes; the table's
# "pace" column says whether they kept up with real time (1.000 = every picture on time), so a run
# that lost pictures because the server lagged is told apart from one where nvr lost them.
# Disk: about CAMERAS x (SECONDS + 30) x 65 KB (256 cameras, 10 minutes: 11 GB) under TMPDIR.
set -euo pipefail
cd "$(dirname "$0")/.."
CLIP=360p CAMS_PER_SERVER=${CAMS_PER_SERVER:-32} exec bench/compare.sh "${1:-256}" "${2:-600}" "${3:-nvr}"
