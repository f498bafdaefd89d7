#!/usr/bin/env bash
# Install (or upgrade) a commune/province server from a release tarball, on Debian 12 (bookworm), as root:
#   deploy/install-server.sh thanthien-<version>.tar.gz
# - Debian packages: influxdb (1.x), espeak-ng, openssl, and the compiler for better-sqlite3 (built from source)
# - Node >= 20 must already be installed (Debian 12 ships 18: use the nodejs 20 package of your mirror or the
#   official tarball); the release's production dependencies are installed from its package-lock.json
# - user/group `thanthien`; release in /opt/thanthien/releases/<version>, /opt/thanthien/current -> it
# - config in /etc/thanthien (root:thanthien 0750; existing files are never overwritten), data in
#   /var/lib/thanthien/<service> (systemd StateDirectory), logs in journald (bounded by journald.conf.d)
# - units thanthien-broker/-collector/-console + Debian's influxdb.service, enabled; started when systemd runs and
#   the registry exists (/var/lib/thanthien/registry/registry.yaml, seeded from /etc/thanthien/registry.yaml);
#   thanthien-registry.path restarts them when the console adds a claimed device
# Env: INFLUX_HTTP_BIND (default 127.0.0.1:8086), INFLUX_RPC_BIND (backup port, default 127.0.0.1:8088).
set -euo pipefail
tarball="${1:?usage: install-server.sh thanthien-<version>.tar.gz}"
here="$(cd "$(dirname "$0")" && pwd)"
[ "$(id -u)" -eq 0 ] || { echo "cần chạy với quyền root (run as root)" >&2; exit 1; }
log() { echo "[install-server] $*"; }

node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' 2>/dev/null || {
  echo "cần Node.js >= 20 tại /usr/bin/node (Node.js 20 or later is required)" >&2; exit 1; }

need=()
for p in influxdb espeak-ng openssl ca-certificates g++ make python3; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  log "apt-get install ${need[*]}"
  apt-get update -qq
  # policy-rc.d may forbid starting daemons (chroots): the package still installs
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

install -d -m 0755 -o root -g root /var/lib/thanthien
getent group thanthien >/dev/null || addgroup --system thanthien >/dev/null
getent passwd thanthien >/dev/null || adduser --system --ingroup thanthien --home /var/lib/thanthien --no-create-home \
  --shell /usr/sbin/nologin --gecos "thanthien services" thanthien >/dev/null

top="$(tar -tzf "$tarball" | sed -n 1p | cut -d/ -f1)"   # sed reads it all: no SIGPIPE under pipefail
version="${top#thanthien-}"
[[ "$version" =~ ^[0-9A-Za-z.+~-]+$ ]] || { echo "tệp phát hành không hợp lệ: $tarball" >&2; exit 1; }
dest="/opt/thanthien/releases/$version"
log "release $version -> $dest"
install -d -m 0755 /opt/thanthien/releases
rm -rf "$dest.new" && mkdir -p "$dest.new"
tar -xzf "$tarball" -C "$dest.new" --strip-components=1 --no-same-owner
# production dependencies exactly as locked; better-sqlite3 compiles here (Debian's node headers when present)
[ -d /usr/include/node ] && export npm_config_nodedir=/usr
# an installed release with the same lockfile already has these dependencies built: hard-link them
same=""
for old in /opt/thanthien/releases/*/; do
  [ -d "${old}node_modules" ] && cmp -s "${old}package-lock.json" "$dest.new/package-lock.json" && { same="$old"; break; }
done
if [ -n "$same" ]; then
  cp -al "${same}node_modules" "$dest.new/node_modules"
else
  (cd "$dest.new" && npm ci --omit=dev --no-audit --no-fund --loglevel=error >/dev/null)
fi
rm -rf "$dest" && mv "$dest.new" "$dest"
chown -R root:root "$dest"
ln -sfn "releases/$version" /opt/thanthien/current.new && mv -T /opt/thanthien/current.new /opt/thanthien/current

install -d -m 0750 -o root -g thanthien /etc/thanthien /etc/thanthien/tls
for f in broker collector console; do
  [ -e "/etc/thanthien/$f.yaml" ] || install -m 0640 -o root -g thanthien "$dest/deploy/config/$f.example.yaml" "/etc/thanthien/$f.yaml"
done
chgrp thanthien /etc/thanthien/*.yaml 2>/dev/null || true
chmod 0640 /etc/thanthien/*.yaml 2>/dev/null || true

# the registry is state (the console adds claimed devices): /var/lib/thanthien/registry, seeded from /etc once
install -d -m 0750 -o thanthien -g thanthien /var/lib/thanthien/registry
if [ ! -e /var/lib/thanthien/registry/registry.yaml ] && [ -s /etc/thanthien/registry.yaml ]; then
  install -m 0640 -o thanthien -g thanthien /etc/thanthien/registry.yaml /var/lib/thanthien/registry/registry.yaml
fi
install -m 0644 "$dest"/deploy/systemd/thanthien-{broker,collector,console,registry-reload}.service "$dest"/deploy/systemd/thanthien-registry.path /etc/systemd/system/
install -d /etc/systemd/journald.conf.d /etc/systemd/system/influxdb.service.d
install -m 0644 "$dest/deploy/journald/thanthien.conf" /etc/systemd/journald.conf.d/thanthien.conf
cat > /etc/systemd/system/influxdb.service.d/thanthien.conf <<UNIT
# InfluxDB for thanthien: loopback only (the collector and console are local), no phoning home
[Service]
Environment=INFLUXDB_HTTP_BIND_ADDRESS=${INFLUX_HTTP_BIND:-127.0.0.1:8086}
Environment=INFLUXDB_BIND_ADDRESS=${INFLUX_RPC_BIND:-127.0.0.1:8088}
Environment=INFLUXDB_REPORTING_DISABLED=true
Environment=INFLUXDB_HTTP_LOG_ENABLED=false
UNIT
systemctl enable influxdb.service thanthien-broker.service thanthien-collector.service thanthien-console.service thanthien-registry.path >/dev/null 2>&1 || \
  log "systemctl enable failed (no systemd here?)"
if [ -d /run/systemd/system ] && [ -s /var/lib/thanthien/registry/registry.yaml ]; then
  systemctl daemon-reload
  systemctl restart influxdb.service thanthien-broker.service thanthien-collector.service thanthien-console.service
  log "services restarted"
else
  log "put the registry in /var/lib/thanthien/registry/registry.yaml (or /etc/thanthien/registry.yaml before installing), edit /etc/thanthien/*.yaml, then: systemctl start thanthien-broker thanthien-collector thanthien-console"
fi
log "installed $version"
