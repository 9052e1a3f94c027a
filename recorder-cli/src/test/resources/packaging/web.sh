#!/bin/sh
# The installed package's daemon serving the web pages, on a throwaway copy of this machine (as
# lifecycle.sh: an overlay of / in a private mount namespace; the network is this machine's, so the
# test reaches the daemon on 127.0.0.1 and the daemon reaches the test's simulated camera).
#
#   unshare --mount --fork sh web.sh outer WORKDIR PACKAGE.deb CAMERA_URL WEB_PORT METRICS_PORT PASSWORD_HASH
#
# Installs the package with the real dpkg, configures one camera and one web user (canbo1, operator),
# starts 'nvr run' as the nvr user (as systemd would: no parent in between) and prints "STARTED"; stops it (SIGTERM) when its standard input
# ends and prints "STOPPED <exit code>". Prints "FAIL: why" on a failure.
set -eu

if [ "$1" = outer ]; then
    work=$2
    mkdir -p "$work/upper" "$work/work" "$work/root"
    mount -t overlay overlay -o "lowerdir=/,upperdir=$work/upper,workdir=$work/work" "$work/root"
    mount --bind /proc "$work/root/proc"
    mount --bind /dev "$work/root/dev"
    mount -t tmpfs tmpfs "$work/root/run"
    mount -t tmpfs tmpfs "$work/root/tmp"
    mkdir -p "$work/root/tmp/pkg"
    cp "$3" "$work/root/tmp/pkg/nvr.deb"
    cp "$0" "$work/root/tmp/pkg/web.sh"
    exec chroot "$work/root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
        sh /tmp/pkg/web.sh inner "$4" "$5" "$6" "$7"
fi

fail() {
    echo "FAIL: $*"
    exit 1
}

camera=$2
web_port=$3
metrics_port=$4
hash=$5
if getent passwd nvr >/dev/null; then
    fail "this machine already has an nvr user; the test needs a machine without one"
fi
dpkg -i --force-depends /tmp/pkg/nvr.deb </dev/null >/dev/null || fail "dpkg -i"
cat > /etc/nvr/nvr.yaml <<YAML
storage: { root: /var/lib/nvr }
metrics: { listen: "127.0.0.1:$metrics_port" }
sites:
  - id: thon-1
    name: "Thôn 1"
    cameras:
      - { id: cam-01, name: "Cổng UBND", url: "$camera" }
web:
  listen: "127.0.0.1:$web_port"
  users:
    - {name: canbo1, role: operator, password_hash: "$hash"}
YAML
out=$(runuser -u nvr -- nvr check-config --config /etc/nvr/nvr.yaml 2>&1) || fail "check-config: $out"
# setpriv execs (runuser would stay in between, and kill the daemon 2 s after passing it a SIGTERM)
env HOME=/var/lib/nvr setpriv --reuid=nvr --regid=nvr --init-groups -- nvr run --config /etc/nvr/nvr.yaml \
    </dev/null >/tmp/pkg/daemon.log 2>&1 &
daemon=$!
echo STARTED
# until the test is done with it (it closes our standard input)
while read -r _; do :; done
kill -TERM "$daemon" 2>/dev/null || true
code=0
wait "$daemon" || code=$?
tail -n 5 /tmp/pkg/daemon.log
echo "STOPPED $code"
