#!/usr/bin/env bash
# Debian packages the system and its tests use. Installs only what is missing; needs root (or sudo).
set -euo pipefail
need=()
[ -x /usr/bin/influxd ] || need+=(influxdb)          # InfluxDB 1.x: the store, and the tests' real database
[ -x /usr/bin/chromium ] || need+=(chromium)         # end-to-end tests of the console (playwright-core)
command -v espeak-ng >/dev/null || need+=(espeak-ng) # Vietnamese text-to-speech for announcements
command -v sqlite3 >/dev/null || need+=(sqlite3)     # inspecting the console's database by hand
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "installing Debian packages: ${need[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
