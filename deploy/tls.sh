#!/usr/bin/env bash
# The commune's or province's own certificate authority, and the certificates it signs (openssl, EC P-256).
#   deploy/tls.sh ca     <dir> "<name>"                       CA: <dir>/ca.pem, <dir>/ca.key (0600, keep it offline)
#   deploy/tls.sh server <dir> <host> [<more hosts or IPs>]   <dir>/<host>.pem + .key: the broker's and console's
#   deploy/tls.sh device <dir> <device-id>                    <dir>/<device-id>.pem + .key: a Pi's client certificate
# Then: broker.yaml  tls: {cert: <dir>/<host>.pem, key: <dir>/<host>.key}    (mqtts on 8883)
#       console.yaml http.tls: {cert: ..., key: ...}, mqtt.ca: <dir>/ca.pem
#       bridge.yaml  broker.ca: <dir>/ca.pem  (copy ca.pem to each Pi; the provisioning claim hands it out)
set -euo pipefail
cmd="${1:-}"; dir="${2:-}"
[ -n "$cmd" ] && [ -n "$dir" ] || { sed -n '2,9p' "$0" >&2; exit 2; }
days="${TLS_DAYS:-3650}"
mkdir -p "$dir"
umask 077
newkey() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
need_ca() { [ -s "$dir/ca.pem" ] && [ -s "$dir/ca.key" ] || { echo "chưa có CA trong $dir: chạy '$0 ca $dir <tên>' trước (no CA in $dir)" >&2; exit 1; }; }
sign() { # <name> <ext file>
  openssl x509 -req -in "$dir/$1.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial -days "$days" -sha256 \
    -extfile "$2" -out "$dir/$1.pem" 2>/dev/null
  rm -f "$dir/$1.csr" "$2"
  chmod 0644 "$dir/$1.pem"
  echo "$dir/$1.pem"
}
case "$cmd" in
  ca)
    name="${3:?tên CA / CA name}"
    [ -e "$dir/ca.key" ] && { echo "$dir/ca.key đã có: không ghi đè (already exists)" >&2; exit 1; }
    newkey "$dir/ca.key"
    openssl req -x509 -new -key "$dir/ca.key" -days "$days" -sha256 -utf8 -subj "/O=thanthien/CN=$name" \
      -addext "basicConstraints=critical,CA:TRUE,pathlen:0" -addext "keyUsage=critical,keyCertSign,cRLSign" -out "$dir/ca.pem"
    chmod 0644 "$dir/ca.pem"
    echo "$dir/ca.pem"
    ;;
  server)
    need_ca; host="${3:?tên máy / host name}"; shift 3
    san="DNS:$host"
    for h in "$@"; do if [[ "$h" =~ ^[0-9.]+$|: ]]; then san="$san,IP:$h"; else san="$san,DNS:$h"; fi; done
    newkey "$dir/$host.key"
    openssl req -new -key "$dir/$host.key" -subj "/O=thanthien/CN=$host" -out "$dir/$host.csr"
    ext="$(mktemp)"; printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=%s\n' "$san" >"$ext"
    sign "$host" "$ext"
    ;;
  device)
    need_ca; id="${3:?mã thiết bị / device id}"
    [[ "$id" =~ ^[a-z0-9-]+$ ]] || { echo "mã thiết bị chỉ gồm a-z 0-9 - (device ids are [a-z0-9-])" >&2; exit 2; }
    newkey "$dir/$id.key"
    openssl req -new -key "$dir/$id.key" -subj "/O=thanthien/CN=$id" -out "$dir/$id.csr"
    ext="$(mktemp)"; printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n' >"$ext"
    sign "$id" "$ext"
    ;;
  *) sed -n '2,9p' "$0" >&2; exit 2 ;;
esac
