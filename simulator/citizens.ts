import type { LevelKey } from '../devices/levels.ts';
import { vnMinuteOfDay, vnWeekday } from '../devices/time/vietnam.ts';
import type { Counter } from '../devices/registry/schema.ts';

/**
 * Citizens at a one-stop counter, for the simulated commune: when they come (more in the morning,
 * on opening days and hours of the counter, Vietnam time), how they rate, and the occasional child
 * who hammers the buttons (the box must turn that into one rating).
 */
export type Visit = { at: number; level: LevelKey /** extra presses right after the first one */; hammering: number };

/** Deterministic PRNG (mulberry32): the same seed gives the same commune every run. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * How a counter tends to be rated; `quality` 0..1 sets the share of satisfied ratings ("Hài lòng" + "Rất hài
 * lòng") from 40 % (quality 0) to 95 % (quality 1), so communes of different quality rank visibly apart
 * (the satisfaction index of a commune ≈ 40 + 55 × quality). Better counters also get more "Rất hài lòng"
 * among the satisfied; the unsatisfied rest splits 60/40 between "Bình thường" and "Không hài lòng".
 */
export function pickLevel(random: () => number, quality: number): LevelKey {
  const q = Math.min(1, Math.max(0, quality));
  const satisfied = 0.4 + 0.55 * q;
  const great = satisfied * (0.3 + 0.5 * q);
  const neutral = satisfied + (1 - satisfied) * 0.6;
  const r = random();
  if (r < great) return 'rat-hai-long';
  if (r < satisfied) return 'hai-long';
  if (r < neutral) return 'binh-thuong';
  return 'khong-hai-long';
}

function vietnamParts(ms: number): { weekday: number; minutes: number } {
  return { weekday: vnWeekday(ms), minutes: vnMinuteOfDay(ms) };
}

function toMinutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h * 60 + m;
}

export function isOpen(counter: Pick<Counter, 'openingHours'>, ms: number): boolean {
  const { weekday, minutes } = vietnamParts(ms);
  return counter.openingHours.some(
    (p) => p.weekdays.includes(weekday) && minutes >= toMinutes(p.open) && minutes < toMinutes(p.close),
  );
}

/** Visits between from and to (ms): a Poisson process at `perHour` while the counter is open, busier before 10:00. */
export function visits(opts: {
  counter: Pick<Counter, 'openingHours'>;
  from: number;
  to: number;
  perHour: number;
  quality: number;
  random: () => number;
  /** ignore opening hours (the live demo runs at any hour) */
  alwaysOpen?: boolean;
}): Visit[] {
  const out: Visit[] = [];
  const { random } = opts;
  let t = opts.from;
  const baseGapMs = 3600_000 / opts.perHour;
  while (t < opts.to) {
    t += -Math.log(1 - random()) * baseGapMs;
    if (t >= opts.to) break;
    if (!opts.alwaysOpen && !isOpen(opts.counter, t)) continue;
    const morningPeak = vietnamParts(t).minutes < 10 * 60 ? 1 : 0.6;
    if (random() > morningPeak) continue;
    out.push({
      at: Math.round(t),
      level: pickLevel(random, opts.quality),
      hammering: random() < 0.03 ? 3 + Math.floor(random() * 8) : 0,
    });
  }
  return out;
}
