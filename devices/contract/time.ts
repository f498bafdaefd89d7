import { z } from 'zod';

/** UTC on the wire: ISO 8601 with a Z, millisecond precision at most. */
export const UtcTime = z.iso.datetime({ message: 'thời gian phải là ISO 8601 UTC, ví dụ 2026-11-25T03:04:05.000Z' });

/**
 * No real event of this system happened before this instant; a Pi without a real-time clock
 * boots at 1970 (or at its last saved time), so anything earlier is an unsynced clock.
 */
export const EPOCH_FLOOR = Date.parse('2024-01-01T00:00:00Z');

/**
 * How the device knows the time it reports (firmware-bridge/clock/resolve.ts, README "Time"):
 * - synced:    the wall clock was synced (NTP / modem / RTC) when the event happened;
 * - mapped:    the event happened before sync, in the same boot; its time was computed from the
 *              monotonic clock once the wall clock synced (exact);
 * - estimated: the event happened in an earlier boot that never synced; the time is an upper
 *              bound (the first trusted instant known after it) and flagged.
 */
export const TimeQuality = z.enum(['synced', 'mapped', 'estimated']);
export type TimeQuality = z.infer<typeof TimeQuality>;
