#!/usr/bin/env bash
# A new Raspberry Pi (Raspberry Pi OS / Debian 12, any model incl. the Pi 5), as root:
#   deploy/pi/install-pi.sh thanthien-<version>.tar.gz --console https://may-chu.xa.local:8443 --code ABCD-EFGH-JKMN \
#       [--ca ca.pem] [--template bridge.template.yaml]
# - Debian packages: gpiod (libgpiod tools for io.kind gpiod), alsa-utils + mpg123 (speakers), systemd-timesyncd
#   (the trusted time source: a Pi has no RTC; the bridge holds ratings and schedules until the clock is synced)
# - Node >= 20 must be installed (Raspberry Pi OS 12 ships 18: use the nodejs 20 package of your mirror)
# - user thanthien in groups gpio and audio; the release in /opt/thanthien/releases/<version> (owned by thanthien:
#   the update unit installs new signed releases beside it), /opt/thanthien/current -> it
# - the claim: the one-time code from the commune console gives this Pi its identity, password and config
# - units: thanthien-bridge.service, and the update rollback watchdog (timer, as root)
set -euo pipefail
tarball="${1:?usage: install-pi.sh thanthien-<version>.tar.gz --console URL --code CODE [--ca ca.pem] [--template file]}"; shift
console_url=""; code=""; ca=""; template="/etc/thanthien/bridge.template.yaml"
while [ $# -gt 0 ]; do
  case "$1" in
    --console) console_url="$2"; shift 2 ;;
    --code) code="$2"; shift 2 ;;
    --ca) ca="$2"; shift 2 ;;
    --template) template="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" -eq 0 ] || { echo "cần chạy với quyền root (run as root)" >&2; exit 1; }
log() { echo "[install-pi] $*"; }
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' 2>/dev/null || {
  echo "cần Node.js >= 20 (Node.js 20 or later is required)" >&2; exit 1; }

need=()
for p in gpiod alsa-utils mpg123 systemd-timesyncd ca-certificates; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  log "apt-get install ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
systemctl enable --now systemd-timesyncd.service >/dev/null 2>&1 || log "could not enable systemd-timesyncd (no systemd?)"

getent group gpio >/dev/null || addgroup --system gpio >/dev/null
# Raspberry Pi OS gives /dev/gpiochip* to group gpio; on plain Debian a udev rule does
[ -e /etc/udev/rules.d/60-thanthien-gpio.rules ] || echo 'SUBSYSTEM=="gpio", KERNEL=="gpiochip*", GROUP="gpio", MODE="0660"' > /etc/udev/rules.d/60-thanthien-gpio.rules
install -d -m 0755 /var/lib/thanthien
getent group thanthien >/dev/null || addgroup --system thanthien >/dev/null
getent passwd thanthien >/dev/null || adduser --system --ingroup thanthien --home /var/lib/thanthien --no-create-home --shell /usr/sbin/nologin thanthien >/dev/null
usermod -a -G gpio,audio thanthien

top="$(tar -tzf "$tarball" | sed -n 1p | cut -d/ -f1)"; version="${top#thanthien-}"
[[ "$version" =~ ^[0-9A-Za-z.+~-]+$ ]] || { echo "tệp phát hành không hợp lệ: $tarball" >&2; exit 1; }
dest="/opt/thanthien/releases/$version"
install -d -m 0755 -o thanthien -g thanthien /opt/thanthien /opt/thanthien/releases
rm -rf "$dest.new" && mkdir -p "$dest.new"
tar -xzf "$tarball" -C "$dest.new" --strip-components=1 --no-same-owner
[ -d /usr/include/node ] && export npm_config_nodedir=/usr
(cd "$dest.new" && npm ci --omit=dev --no-audit --no-fund --loglevel=error >/dev/null)
rm -rf "$dest" && mv "$dest.new" "$dest" && chown -R thanthien:thanthien "$dest"
ln -sfn "releases/$version" /opt/thanthien/current.new && mv -T /opt/thanthien/current.new /opt/thanthien/current
chown -h thanthien:thanthien /opt/thanthien/current

install -d -m 0750 -o root -g thanthien /etc/thanthien
[ -e "$template" ] || install -m 0640 -o root -g thanthien "$dest/deploy/pi/bridge.template.yaml" "$template"
if [ -n "$code" ]; then
  [ -n "$console_url" ] || { echo "--code cần --console <URL>" >&2; exit 2; }
  node "$dest/firmware-bridge/provision/claim.js" --console "$console_url" --code "$code" --template "$template" --out /etc/thanthien ${ca:+--ca "$ca"}
  chgrp thanthien /etc/thanthien/password /etc/thanthien/bridge.yaml && chmod 0640 /etc/thanthien/password
elif [ ! -e /etc/thanthien/bridge.yaml ]; then
  log "no --code: write /etc/thanthien/bridge.yaml by hand (firmware-bridge/bridge.example.yaml) or run the claim later"
fi

install -d /usr/local/lib/thanthien
install -m 0755 "$dest/deploy/pi/update-watchdog.sh" /usr/local/lib/thanthien/update-watchdog.sh
install -m 0644 "$dest/deploy/systemd/thanthien-bridge.service" "$dest/deploy/systemd/thanthien-update-watchdog.service" \
  "$dest/deploy/systemd/thanthien-update-watchdog.timer" /etc/systemd/system/
install -d /etc/systemd/journald.conf.d && install -m 0644 "$dest/deploy/journald/thanthien.conf" /etc/systemd/journald.conf.d/
# an SD card lives longer with a small journal
printf '[Journal]\nSystemMaxUse=50M\n' > /etc/systemd/journald.conf.d/thanthien-pi.conf
systemctl daemon-reload >/dev/null 2>&1 || true
systemctl enable thanthien-bridge.service thanthien-update-watchdog.timer >/dev/null 2>&1 || log "systemctl enable failed (no systemd here?)"
if [ -d /run/systemd/system ] && [ -e /etc/thanthien/bridge.yaml ]; then
  systemctl restart thanthien-update-watchdog.timer thanthien-bridge.service
fi
log "installed $version"
