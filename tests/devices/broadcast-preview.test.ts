import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SOUND_POLICY,
  type IssuerLevel,
  type ScheduleDocument,
  type ScheduleItem,
} from '../../devices/contract/broadcast.ts';
import { effectivePolicy, expandAll, isQuiet, type IssuedDocs, type Occurrence } from '../../devices/broadcast-plan.ts';
import { previewSchedule } from '../../devices/broadcast-preview.ts';
import { Ledger } from '../../firmware-bridge/speaker/ledger.ts';
import { Scheduler } from '../../firmware-bridge/speaker/scheduler.ts';
import { FakeClock } from '../support/fake-clock.ts';
import { tempDir } from '../harness/temp.ts';

const H = 3_600_000;
const T0 = Date.parse('2026-11-25T00:00:00.000Z'); // 07:00 Vietnam time

/** a schedule document for the one speaker of these tests */
function speakerDoc(
  issuedAt: string,
  horizon: string,
  items: ScheduleDocument['items'],
  more: Partial<ScheduleDocument> = {},
): ScheduleDocument {
  return { v: 1, commune: '26734', speaker: 'loa', hamlet: 'thon', version: 1, issuedAt, horizon, items, ...more };
}

/** a small deterministic generator (mulberry32), so a failure can be replayed from its seed */
function rng(seed: number) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function generated(seed: number): IssuedDocs {
  const r = rng(seed);
  const docs: IssuedDocs = {};
  for (const level of ['commune', 'province'] as IssuerLevel[]) {
    if (level === 'province' && r() < 0.3) continue;
    const items: ScheduleItem[] = Array.from({ length: 1 + Math.floor(r() * 6) }, (_, i) => ({
      announcement: `${level}-tb-${i}`,
      title: `Thông báo ${i}`,
      priority: (['normal', 'priority', 'emergency'] as const)[Math.floor(r() * 3)],
      audio: {
        sha256: 'a'.repeat(64),
        path: `/audio/${'a'.repeat(64)}`,
        bytes: 1000,
        durationS: 30 + Math.floor(r() * 300),
        mime: 'audio/wav',
      },
      volume: 80,
      repeats: 1 + Math.floor(r() * 3),
      validityS: 300,
      // some before the window, most inside, some after; minutes, so overlaps happen
      occurrences: Array.from({ length: 1 + Math.floor(r() * 8) }, () =>
        new Date(T0 + Math.floor((r() * 30 - 3) * 60) * 60_000).toISOString(),
      ),
    }));
    docs[level] = speakerDoc(new Date(T0).toISOString(), new Date(T0 + 48 * H).toISOString(), items, {
      ...(level === 'commune' ? {} : { issuer: { level, code: '82' } }),
      ...(r() < 0.7 ? { policy: DEFAULT_SOUND_POLICY } : {}),
    });
  }
  return docs;
}

/** what the speaker's own scheduler fires over [T0, T0 + 24 h) for these documents */
async function fired(docs: IssuedDocs, seed: number): Promise<Occurrence[]> {
  const clock = new FakeClock(T0);
  const out: Occurrence[] = [];
  const scheduler = new Scheduler({
    clock,
    time: { synced: () => true, whenSynced: () => Promise.resolve() },
    ledger: new Ledger(join(tempDir('tt-preview-'), String(seed))),
    leadMs: 2_000,
    onDue: (o) => out.push(o),
    onPast: (o) => out.push(o),
  });
  scheduler.setOccurrences(expandAll(docs));
  await clock.advanceSettled(24 * H + 10_000);
  scheduler.stop();
  return out.filter((o) => o.start < T0 + 24 * H);
}

describe("the 24-hour preview runs the speaker's own expansion", () => {
  it('lists exactly what the scheduler fires, over many generated schedules, and flags quiet hours as the unit judges them', async () => {
    let compared = 0;
    for (let seed = 1; seed <= 25; seed++) {
      const docs = generated(seed);
      const preview = previewSchedule(docs, T0, T0 + 24 * H, { now: T0 });
      const scheduled = await fired(docs, seed);
      expect(preview.map((e) => e.key).sort(), `seed ${seed}`).toEqual(scheduled.map((o) => o.key).sort());
      const policy = effectivePolicy(docs);
      for (const o of scheduled) {
        const entry = preview.find((e) => e.key === o.key)!;
        expect(entry.fate === 'quiet-hours', `seed ${seed} ${o.key}`).toBe(
          isQuiet(policy.quietHours, o.item.priority, o.start),
        );
      }
      compared += scheduled.length;
    }
    expect(compared).toBeGreaterThan(100);
  });

  it('flags overlaps, what an emergency cuts and what waits behind a longer one', () => {
    const audio = (s: number) => ({
      sha256: 'b'.repeat(64),
      path: `/audio/${'b'.repeat(64)}`,
      bytes: 10,
      durationS: s,
      mime: 'audio/wav' as const,
    });
    const at = (min: number) => new Date(T0 + 2 * H + min * 60_000).toISOString();
    const base = { title: 't', volume: 80, repeats: 1, validityS: 600 };
    const doc = speakerDoc(at(0), at(600), [
      { ...base, announcement: 'dai', priority: 'normal', audio: audio(300), occurrences: [at(0)] },
      { ...base, announcement: 'cho', priority: 'priority', audio: audio(60), occurrences: [at(1)] },
      { ...base, announcement: 'khan', priority: 'emergency', audio: audio(60), occurrences: [at(20)] },
      { ...base, announcement: 'bi-cat', priority: 'normal', audio: audio(600), occurrences: [at(15)] },
    ]);
    const p = Object.fromEntries(previewSchedule({ commune: doc }, T0, T0 + 24 * H).map((e) => [e.announcement, e]));
    expect(p.dai).toMatchObject({ fate: 'plays', overlaps: ['cho'] });
    expect(p.cho).toMatchObject({ fate: 'pushed-back', by: 'dai', expectedStart: at(5) });
    expect(p['bi-cat']).toMatchObject({ fate: 'cut', by: 'khan' });
    expect(p.khan).toMatchObject({ fate: 'plays' });
  });
});
