#!/usr/bin/env bash
# The province's Ed25519 release key (kept offline by the province; only its public half goes to the Pis/console):
#   deploy/release-key.sh <dir>   -> <dir>/release.key (0600, PEM), prints the public key as base64 SPKI DER
# Sign a release: npm run release -- --sign-key <dir>/release.key   (writes thanthien-<v>.manifest.json)
# Put the printed key in bridge.yaml units.update.releaseKey and console.yaml updates.releaseKey.
set -euo pipefail
dir="${1:?usage: release-key.sh <dir>}"
mkdir -p "$dir"; umask 077
[ -e "$dir/release.key" ] && { echo "$dir/release.key đã có: không ghi đè (already exists)" >&2; exit 1; }
openssl genpkey -algorithm ed25519 -out "$dir/release.key"
openssl pkey -in "$dir/release.key" -pubout -outform DER | base64 -w0; echo
