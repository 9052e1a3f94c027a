#!/bin/sh
# Builds nvr's installable packages from the jar that 'mvn -B -DskipTests package' made:
#   <out>/nvr_<version>_amd64.deb               for Debian 12 and Ubuntu 24.04 (apt install ./...)
#   <out>/nvr-<version>-linux-x86_64.tar.gz     the same files as a plain tree, to unpack over /
#
# Usage: packaging/build.sh [--jar FILE] [--out DIR] [--version VERSION]
#   defaults: recorder-cli/target/nvr.jar, target/packages, the version in pom.xml
# Needs only sh, tar, gzip and dpkg-deb (part of dpkg on every Debian and Ubuntu). Prints the
# paths of the two packages.
set -eu
umask 022

repo=$(dirname "$(dirname "$(readlink -f "$0")")")
jar="$repo/recorder-cli/target/nvr.jar"
out="$repo/target/packages"
version=
while [ $# -gt 0 ]; do
    case $1 in
        --jar) jar=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        --version) version=$2; shift 2 ;;
        *) echo "usage: $0 [--jar FILE] [--out DIR] [--version VERSION]" >&2; exit 2 ;;
    esac
done
if [ -z "$version" ]; then
    # The project's own <version>: the first one in the root pom.
    version=$(sed -n 's:^  <version>\(.*\)</version>.*:\1:p' "$repo/pom.xml" | head -n 1)
fi
# A snapshot sorts before its release in dpkg's order: 0.1.0~SNAPSHOT < 0.1.0.
debversion=$(printf '%s' "$version" | sed 's/-SNAPSHOT$/~SNAPSHOT/')
[ -f "$jar" ] || { echo "$jar not found: run 'mvn -B -DskipTests package' first" >&2; exit 1; }
command -v dpkg-deb >/dev/null || { echo "dpkg-deb not found (Debian package dpkg)" >&2; exit 1; }

mkdir -p "$out"
out=$(readlink -f "$out")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tree="$work/tree"

# The installed files. /usr/lib/systemd/system rather than /lib: the same path on Debian 12 and
# Ubuntu 24.04 (merged /usr), and where units are going.
install -D -m 0755 "$repo/packaging/nvr" "$tree/usr/bin/nvr"
install -D -m 0644 "$jar" "$tree/usr/share/nvr/nvr.jar"
install -D -m 0644 "$repo/systemd/nvr.service" "$tree/usr/lib/systemd/system/nvr.service"
install -D -m 0644 "$repo/packaging/sysusers.conf" "$tree/usr/lib/sysusers.d/nvr.conf"
install -D -m 0644 "$repo/config/nvr.example.yaml" "$tree/etc/nvr/nvr.yaml"
install -D -m 0640 "$repo/packaging/credentials.env" "$tree/etc/nvr/credentials.env"
install -D -m 0644 "$repo/packaging/default" "$tree/etc/default/nvr"
install -D -m 0644 "$repo/README.md" "$tree/usr/share/doc/nvr/README.md"
install -D -m 0644 "$repo/config/nvr.example.yaml" "$tree/usr/share/doc/nvr/nvr.example.yaml"
# Monitoring, when the checkout has it: the Grafana dashboard and the Prometheus rules.
for part in grafana prometheus; do
    if [ -d "$repo/config/$part" ]; then
        mkdir -p "$tree/usr/share/nvr/$part"
        cp -R "$repo/config/$part/." "$tree/usr/share/nvr/$part/"
        find "$tree/usr/share/nvr/$part" -type d -exec chmod 0755 {} + -o -type f -exec chmod 0644 {} +
    fi
done

tarball="$out/nvr-$version-linux-x86_64.tar.gz"
tar --owner=0 --group=0 --numeric-owner --sort=name -C "$tree" -czf "$tarball" .

# The Debian package: the same tree plus its control files.
mkdir -p "$tree/DEBIAN"
for script in postinst prerm postrm; do
    install -m 0755 "$repo/packaging/debian/$script" "$tree/DEBIAN/$script"
done
printf '%s\n' /etc/nvr/nvr.yaml /etc/nvr/credentials.env /etc/default/nvr > "$tree/DEBIAN/conffiles"
size=$(du -sk --exclude=DEBIAN "$tree" | cut -f1)
cat > "$tree/DEBIAN/control" <<CONTROL
Package: nvr
Version: $debversion
Architecture: amd64
Maintainer: nvr maintainers <root@localhost>
Installed-Size: $size
Depends: adduser, default-jre-headless (>= 2:1.17) | java17-runtime-headless
Section: video
Priority: optional
Description: headless network video recorder for RTSP cameras
 Records every configured RTSP camera continuously into timestamped MP4
 segments without transcoding, indexes them in SQLite, rides out cameras that
 drop off, and exposes per-site uptime to Prometheus. Runs as the systemd
 service nvr (user nvr, footage in /var/lib/nvr); operators find and export
 footage with the nvr command.
CONTROL
deb="$out/nvr_${debversion}_amd64.deb"
dpkg-deb --root-owner-group -Zgzip --build "$tree" "$deb" >/dev/null

echo "$deb"
echo "$tarball"
