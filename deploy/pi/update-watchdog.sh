#!/usr/bin/env bash
# Rollback watchdog for bridge updates, run as root by thanthien-update-watchdog.timer (every 30 s).
# The bridge writes <state>/pending (from=, to=, deadline= epoch seconds, state=switched) before it switches
# /opt/thanthien/current to a new release; the new release deletes the record once it is healthy. If the deadline
# passes first (the new bridge crashes, hangs, or never reaches the broker), switch back and restart the bridge; the
# old release then reports "rolled-back". Lives outside the releases, so a broken release cannot break it.
# Env (tests): THANTHIEN_ROOT (/opt/thanthien), THANTHIEN_UPDATE_STATE (/var/lib/thanthien/update),
#              NOW (epoch seconds), RESTART_CMD (systemctl restart thanthien-bridge.service)
set -euo pipefail
root="${THANTHIEN_ROOT:-/opt/thanthien}"
state="${THANTHIEN_UPDATE_STATE:-/var/lib/thanthien/update}"
pending="$state/pending"
[ -f "$pending" ] || exit 0
from="$(sed -n 's/^from=//p' "$pending")"; to="$(sed -n 's/^to=//p' "$pending")"
deadline="$(sed -n 's/^deadline=//p' "$pending")"; st="$(sed -n 's/^state=//p' "$pending")"
[ "$st" = switched ] || exit 0
[[ "$deadline" =~ ^[0-9]+$ ]] && [[ "$from" =~ ^[0-9A-Za-z.+-]+$ ]] || { echo "watchdog: unreadable $pending" >&2; exit 1; }
now="${NOW:-$(date +%s)}"
[ "$now" -gt "$deadline" ] || exit 0
[ -d "$root/releases/$from" ] || { echo "watchdog: previous release $from is gone; cannot roll back" >&2; exit 1; }
ln -sfn "releases/$from" "$root/current.rollback" && mv -T "$root/current.rollback" "$root/current"
printf 'from=%s\nto=%s\ndeadline=%s\nstate=rolled-back\n' "$from" "$to" "$deadline" > "$pending.tmp" && mv "$pending.tmp" "$pending"
echo "watchdog: $to did not report healthy by its deadline; rolled back to $from"
${RESTART_CMD:-systemctl restart thanthien-bridge.service}
