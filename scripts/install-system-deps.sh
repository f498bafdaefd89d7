#!/usr/bin/env bash
# Debian packages the system uses. Installs only what is missing; needs root (or sudo).
#   scripts/install-system-deps.sh runtime   what `npm start` needs (InfluxDB, espeak-ng, ffmpeg, icecast2)
#   scripts/install-system-deps.sh test      runtime + what the tests need (Chromium, redis-server, haproxy, mosquitto)
#   scripts/install-system-deps.sh province  runtime + a province's broker nodes (redis-server, haproxy)
set -euo pipefail
profile="${1:-test}"
need=()
[ -x /usr/bin/influxd ] || need+=(influxdb)          # InfluxDB 1.x: the store, and the tests' real database
command -v espeak-ng >/dev/null || need+=(espeak-ng) # Vietnamese text-to-speech for announcements
command -v openssl >/dev/null || need+=(openssl)     # deploy/tls.sh (CA, server and device certificates)
command -v ffmpeg >/dev/null || need+=(ffmpeg)       # loudness normalization (console), relay/live decoding (speakers)
[ -x /usr/bin/icecast2 ] || need+=(icecast2)         # the live-stream server (console), the tests' relay "station"
if [ "$profile" = test ]; then
  [ -x /usr/bin/chromium ] || need+=(chromium)       # end-to-end tests of the console and Node-RED (playwright-core)
  command -v debootstrap >/dev/null || need+=(debootstrap)             # the install test's clean Debian root
  command -v systemd-nspawn >/dev/null || need+=(systemd-container)    # ... booted with systemd (npm run test:deploy)
  command -v python3 >/dev/null || need+=(python3)   # the Eclipse Paho MQTT 3.1.1 interoperability suite (broker)
  [ -x /usr/sbin/mosquitto ] || need+=(mosquitto)    # the C reference broker of the cluster benchmark
fi
if [ "$profile" = test ] || [ "$profile" = province ]; then
  [ -x /usr/bin/redis-server ] || need+=(redis-server) # broker nodes share sessions, retained messages and fan-out
  [ -x /usr/sbin/haproxy ] || need+=(haproxy)          # TCP balancer in front of the broker nodes
fi
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then SUDO="sudo"; else
    echo "Cần quyền root để cài: apt-get install -y ${need[*]}   (run as root: apt-get install -y ${need[*]})" >&2
    exit 1
  fi
fi
echo "installing Debian packages: ${need[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
