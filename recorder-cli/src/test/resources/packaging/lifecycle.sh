#!/bin/sh
# The nvr package's life on a throwaway copy of this machine: install, configure, upgrade, remove,
# purge, with the real dpkg and the real maintainer scripts, and footage that must survive it all.
#
#   unshare --mount --fork sh lifecycle.sh outer WORKDIR FIRST.deb SECOND.deb
#
# 'outer' mounts an overlay of / whose writes land in WORKDIR (the machine itself is not touched;
# the mounts vanish with the private mount namespace), gives it its own /run and /tmp (so no
# systemd is seen) and runs 'inner' chrooted in it. Prints "PASS" at the end, or "FAIL: why".
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
    cp "$3" "$work/root/tmp/pkg/first.deb"
    cp "$4" "$work/root/tmp/pkg/second.deb"
    cp "$0" "$work/root/tmp/pkg/lifecycle.sh"
    exec chroot "$work/root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
        sh /tmp/pkg/lifecycle.sh inner
fi

fail() {
    echo "FAIL: $*"
    exit 1
}
step() {
    echo "== $*"
}
perms() {
    stat -c %U:%G:%a "$1"
}

if getent passwd nvr >/dev/null; then
    fail "this machine already has an nvr user; the test needs a machine without one"
fi

# --force-depends: the Java runtime may have come from elsewhere than a package on a build machine.
step "install"
dpkg -i --force-depends /tmp/pkg/first.deb </dev/null
getent passwd nvr >/dev/null || fail "no nvr user after install"
[ "$(getent passwd nvr | cut -d: -f6,7)" = /var/lib/nvr:/usr/sbin/nologin ] || fail "nvr user: $(getent passwd nvr)"
[ "$(perms /etc/nvr/credentials.env)" = root:nvr:640 ] || fail "credentials.env is $(perms /etc/nvr/credentials.env)"
[ "$(perms /var/lib/nvr)" = nvr:nvr:750 ] || fail "/var/lib/nvr is $(perms /var/lib/nvr)"
[ -x /usr/bin/nvr ] || fail "no /usr/bin/nvr"
grep -q '^  root: /var/lib/nvr' /etc/nvr/nvr.yaml || fail "the example config does not record into /var/lib/nvr"

step "configure as a technician would"
cat > /etc/nvr/nvr.yaml <<'YAML'
storage: { root: /var/lib/nvr }
sites:
  - id: thon-1
    cameras:
      - { id: cam-01, url: "rtsp://${CAM01_USER}:${CAM01_PASS}@192.0.2.10:554/Streaming/Channels/101" }
YAML
printf 'CAM01_USER=admin\nCAM01_PASS="s3cret"\n' >/etc/nvr/credentials.env
out=$(runuser -u nvr -- nvr check-config --config /etc/nvr/nvr.yaml 2>&1) || fail "check-config as nvr: $out"
echo "$out"
case $out in
    *"valid: 1 site(s), 1 camera(s), footage in /var/lib/nvr"*) ;;
    *) fail "check-config said: $out" ;;
esac
# Footage as the service leaves it.
mkdir -p /var/lib/nvr/thon-1/cam-01/2026/11/29
echo footage >/var/lib/nvr/thon-1/cam-01/2026/11/29/20261129T070000Z.mp4
echo index >/var/lib/nvr/index.db
chown -R nvr:nvr /var/lib/nvr

step "upgrade"
dpkg -i --force-depends --force-confold /tmp/pkg/second.deb </dev/null
echo "installed: $(dpkg-query -W -f '${Version}' nvr)"
grep -q cam-01 /etc/nvr/nvr.yaml || fail "the upgrade replaced the technician's nvr.yaml"
grep -q s3cret /etc/nvr/credentials.env || fail "the upgrade replaced credentials.env"
[ "$(perms /etc/nvr/credentials.env)" = root:nvr:640 ] || fail "credentials.env is $(perms /etc/nvr/credentials.env) after the upgrade"
[ -f /var/lib/nvr/index.db ] || fail "the upgrade lost the index"

step "remove"
dpkg -r nvr </dev/null
[ ! -e /usr/bin/nvr ] || fail "remove left /usr/bin/nvr"
[ -f /var/lib/nvr/thon-1/cam-01/2026/11/29/20261129T070000Z.mp4 ] || fail "remove deleted footage"
[ -f /var/lib/nvr/index.db ] || fail "remove deleted the index"
grep -q cam-01 /etc/nvr/nvr.yaml || fail "remove deleted the configuration"

step "purge"
dpkg -P nvr </dev/null
[ -f /var/lib/nvr/thon-1/cam-01/2026/11/29/20261129T070000Z.mp4 ] || fail "purge deleted footage"
[ -f /var/lib/nvr/index.db ] || fail "purge deleted the index"
[ ! -e /etc/nvr ] || fail "purge left /etc/nvr"
[ ! -e /var/cache/nvr ] || fail "purge left /var/cache/nvr"
echo PASS
