import { EPOCH_FLOOR, type TimeQuality } from '../../devices/contract/time.ts';
import type { SyncPoint } from './boot.ts';

/**
 * TIME DESIGN (README "Time"). A Pi has no real-time clock: until NTP (or a modem, or an RTC) sets it,
 * its wall clock says 1970 or whatever fake-hwclock saved. So every press records
 *   - the kernel boot id (/proc/sys/kernel/random/boot_id) and
 *   - CLOCK_MONOTONIC ms (Clock.monotonic(): since that boot, shared by every process of the boot),
 * and the wall time only when the clock is trusted. A rating is published only once its time is resolved:
 *   synced:    the clock was trusted at the press: at = the wall clock at the press;
 *   mapped:    the clock became trusted later in the same boot, at the sync point (wallAtSync, monoAtSync):
 *              at = wallAtSync - (monoAtSync - monoAtPress), exact;
 *   estimated: the press's boot ended without ever syncing: at = the start of the first later boot that
 *              synced (wallAtSync - monoAtSync of that boot), an upper bound, flagged.
 * The resolution is written to the outbox journal (fsync) before publishing, so a replay after a crash
 * sends the same `at` (the collector's idempotency by id depends on it). Nothing before EPOCH_FLOOR is
 * trusted and nothing is stored in the future.
 */
export type PressTime = { boot: string; mono: number };
export type BootView = { order: readonly string[]; syncs: ReadonlyMap<string, SyncPoint> };
export type Resolved = { at: number; time: TimeQuality };

/** null: not resolvable yet (no trusted boot at or after the press's boot). `nowWall` caps the result when given. */
export function resolvePressTime(
  press: PressTime,
  boots: BootView,
  current?: { boot: string; nowWall: number | null },
): Resolved | null {
  const own = boots.syncs.get(press.boot);
  let out: Resolved | null = null;
  if (own) {
    out = { at: own.wall - (own.mono - press.mono), time: 'mapped' };
  } else {
    const laterStart = firstLaterBootStart(press.boot, boots, current?.boot);
    if (laterStart !== null) out = { at: laterStart, time: 'estimated' };
  }
  if (!out) return null;
  if (current?.nowWall != null && out.at > current.nowWall) out.at = current.nowWall;
  // an inconsistent sync point (should not happen): never store before the floor; say it is an estimate
  if (out.at < EPOCH_FLOOR) out = { at: EPOCH_FLOOR, time: 'estimated' };
  return out;
}

function firstLaterBootStart(boot: string, boots: BootView, currentBoot?: string): number | null {
  const idx = boots.order.indexOf(boot);
  if (idx === -1) {
    // the press's boot is missing from the history (file lost): the current boot surely came after it
    if (currentBoot && currentBoot !== boot) return bootStart(boots.syncs.get(currentBoot));
    return null;
  }
  for (const later of boots.order.slice(idx + 1)) {
    const start = bootStart(boots.syncs.get(later));
    if (start !== null) return start;
  }
  return null;
}

function bootStart(p: SyncPoint | undefined): number | null {
  return p ? p.wall - p.mono : null;
}
