import type { Priority } from '../../devices/contract/broadcast.ts';
import type { SpeakerConfig } from './config.ts';

/** Vietnam has used UTC+7 without daylight saving since 1975, so a fixed offset is exact. */
const VIETNAM_OFFSET_MS = 7 * 3_600_000;

/** Minutes since midnight, Vietnam time, of a UTC instant. */
export function vietnamMinuteOfDay(utcMs: number): number {
  const ms = (((utcMs + VIETNAM_OFFSET_MS) % 86_400_000) + 86_400_000) % 86_400_000;
  return Math.floor(ms / 60_000);
}

function minutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h * 60 + m;
}

/** [from, to) daily; from > to wraps past midnight; from === to means the whole day. */
export function inPeriod(p: { from: string; to: string }, utcMs: number): boolean {
  const t = vietnamMinuteOfDay(utcMs);
  const from = minutes(p.from);
  const to = minutes(p.to);
  if (from === to) return true;
  return from < to ? t >= from && t < to : t >= from || t < to;
}

export function isQuiet(cfg: SpeakerConfig['quietHours'], priority: Priority, utcMs: number): boolean {
  if (cfg.exempt.includes(priority)) return false;
  return cfg.periods.some((p) => inPeriod(p, utcMs));
}

/** The announcement's volume, lowered to the strictest cap of the periods it falls in. */
export function cappedVolume(caps: SpeakerConfig['volumeCaps'], volume: number, utcMs: number): number {
  return caps.filter((c) => inPeriod(c, utcMs)).reduce((v, c) => Math.min(v, c.max), volume);
}
