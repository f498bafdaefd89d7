#!/usr/bin/env bash
# A clean Debian bookworm root for the install test, made once with debootstrap and cached as a tarball.
#   deploy/test/debian-root.sh <target-dir>
# Cache: $THANTHIEN_CACHE (default ${XDG_CACHE_HOME:-$HOME/.cache}/thanthien)/debootstrap/bookworm-minbase.tar
# (about 60 MB; delete it to rebuild). Needs root and debootstrap (scripts/install-system-deps.sh deploy-test).
set -euo pipefail
target="${1:?usage: debian-root.sh <target-dir>}"
cache="${THANTHIEN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/thanthien}/debootstrap"
tarball="$cache/bookworm-minbase.tar"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
# what the server install needs inside the root besides Debian's minbase (influxdb comes from install-server.sh)
include="ca-certificates,openssl,systemd,logrotate,adduser,procps"
mkdir -p "$cache" "$target"
if [ ! -s "$tarball" ]; then
  work="$(mktemp -d "$cache/build.XXXXXX")"
  trap 'rm -rf "$work"' EXIT
  debootstrap --variant=minbase --include="$include" bookworm "$work/root" "$mirror" >"$work/log" 2>&1 || { tail -20 "$work/log" >&2; exit 1; }
  rm -rf "$work/root/var/cache/apt/archives/"*.deb
  tar -C "$work/root" -cf "$tarball.part" . && mv "$tarball.part" "$tarball"
fi
tar -C "$target" -xf "$tarball"
