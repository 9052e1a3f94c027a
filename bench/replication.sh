#!/usr/bin/env bash
# Evidence replication under a bandwidth cap against a real S3 API server (S3Proxy 2.6.0, filesystem
# backend, on a free loopback port): prints the real upload throughput under max_rate and the recovery
# after a network loss (the link to it cut mid-upload, back DOWN seconds later). See
# bench/ReplicationBench.java. A measurement: it asserts nothing.
#
#   bench/replication.sh [RATE=8Mbit/s as bytes per second: 1000000] [DOWN_S=10]
#
# Needs: the jar (built if missing), java 17, and S3Proxy's fat jar (recorder-core/target/s3proxy/, put
# there by the build's test phase, or Maven's local repository).
set -euo pipefail
cd "$(dirname "$0")/.."
rate=${1:-1000000}
down=${2:-10}
jar=recorder-cli/target/nvr.jar
[ -f "$jar" ] || mvn -B -q -DskipTests package
s3proxy=recorder-core/target/s3proxy/s3proxy.jar
[ -f "$s3proxy" ] || s3proxy=$HOME/.m2/repository/org/gaul/s3proxy/2.6.0/s3proxy-2.6.0-jar-with-dependencies.jar
[ -f "$s3proxy" ] || mvn -B -q dependency:get -Dartifact=org.gaul:s3proxy:2.6.0:jar:jar-with-dependencies -Dtransitive=false
work=$(mktemp -d "${TMPDIR:-/tmp}/nvr-replication.XXXXXX")
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$work/data/bench"   # the filesystem backend's bucket "bench"
cat >"$work/s3proxy.conf" <<CONF
s3proxy.endpoint=http://127.0.0.1:$port
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=bench-access
s3proxy.credential=bench-secret-0123456789
jclouds.provider=filesystem
jclouds.filesystem.basedir=$work/data
CONF
start_cmd="java -Xmx256m -jar $s3proxy --properties $work/s3proxy.conf >>$work/s3proxy.log 2>&1 & echo \$! >$work/pid; \
  for i in \$(seq 1 600); do (echo >/dev/tcp/127.0.0.1/$port) 2>/dev/null && exit 0; sleep 0.1; done; exit 1"
cleanup() {
  [ -f "$work/pid" ] && kill -9 "$(cat "$work/pid")" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
echo "replication.sh: cap $rate bytes/s, outage $down s, on $(nproc) core(s), load average $(cut -d' ' -f1-3 /proc/loadavg)"
bash -c "$start_cmd"
java -Dlogback.configurationFile=/dev/null -cp "$jar" bench/ReplicationBench.java "http://127.0.0.1:$port" \
  bench-access bench-secret-0123456789 "$work" "$rate" "$down" 2>&1 \
  | grep -vE '^\s*$|DEBUG|INFO' || true
