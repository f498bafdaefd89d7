#!/usr/bin/env bash
# Copy this machine's Node (binary, npm, headers for native addons) into a Debian root: bookworm's own nodejs is 18.
#   deploy/test/copy-node.sh <root>
set -euo pipefail
root="${1:?usage: copy-node.sh <root>}"
node="$(readlink -f "$(command -v node)")"
prefix="$(dirname "$(dirname "$node")")"
mkdir -p "$root/usr/bin" "$root/usr/lib/node_modules" "$root/usr/include"
cp -a "$node" "$root/usr/bin/node"
rm -rf "$root/usr/lib/node_modules/npm" && cp -a "$prefix/lib/node_modules/npm" "$root/usr/lib/node_modules/npm"
[ -d "$prefix/include/node" ] && rm -rf "$root/usr/include/node" && cp -a "$prefix/include/node" "$root/usr/include/node"
ln -sfn ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/bin/npm"
ln -sfn ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/bin/npx"
