import { describe, expect, it } from 'vitest';
import { PresenceTracker } from '../../collector/presence/tracker.ts';
import type { CollectorError } from '../../collector/errors.ts';
import { parsePresenceConfig } from '../../collector/presence/config.ts';

const S = 1000;
const opts = { silenceMs: 210 * S, graceMs: 60 * S, resumeGapMs: 90 * S, fleetHoldMs: 600 * S };
const T0 = Date.parse('2026-11-25T01:00:00Z');

function tracker() {
  const t = new PresenceTracker(opts);
  t.linkUp(T0);
  return t;
}

describe('presence tracker', () => {
  it('a live online and heartbeats make one transition; duplicates are counted, not stored', () => {
    const t = tracker();
    expect(t.availability('a', 'online', T0 + S, false)).toEqual({
      device: 'a',
      online: true,
      at: T0 + S,
      source: 'availability',
    });
    expect(t.heartbeat('a', T0 + 2 * S, false)).toBeNull();
    expect(t.availability('a', 'online', T0 + 3 * S, false)).toBeNull();
    expect(t.counters.duplicates).toBe(2);
  });

  it('a retained online replay never revives an offline device (power cut leaves "online" retained)', () => {
    const t = tracker();
    t.restore('a', false, T0 - 3600 * S, T0 - 3600 * S);
    expect(t.availability('a', 'online', T0 + S, true)).toBeNull();
    expect(t.heartbeat('a', T0 + S, true)).toBeNull();
    expect(t.get('a')!.online).toBe(false);
    expect(t.counters.retainedIgnored).toBe(2);
    expect(t.heartbeat('a', T0 + 5 * S, false)?.online).toBe(true);
  });

  it('a will is held for the grace period; a reconnect within it cancels it', () => {
    const t = tracker();
    t.heartbeat('a', T0, false);
    expect(t.availability('a', 'offline', T0 + 10 * S, false)).toBeNull();
    expect(t.sweep(T0 + 30 * S)).toEqual([]);
    expect(t.availability('a', 'online', T0 + 40 * S, false)).toBeNull();
    expect(t.sweep(T0 + 200 * S)).toEqual([]);
    expect(t.counters.cancelledOffline).toBe(1);
  });

  it('a will not followed by a reconnect is confirmed once, dated at the will', () => {
    const t = tracker();
    t.heartbeat('a', T0, false);
    t.availability('a', 'offline', T0 + 10 * S, false);
    expect(t.sweep(T0 + 75 * S)).toEqual([{ device: 'a', online: false, at: T0 + 10 * S, source: 'availability' }]);
    expect(t.sweep(T0 + 500 * S)).toEqual([]);
    expect(t.availability('a', 'offline', T0 + 600 * S, true)).toBeNull();
  });

  it('silence declares offline once, dated at the last sign of life; skewed device clocks play no part', () => {
    const t = tracker();
    t.heartbeat('a', T0 + 5 * S, false);
    expect(t.sweep(T0 + 200 * S)).toEqual([]);
    expect(t.sweep(T0 + 216 * S)).toEqual([{ device: 'a', online: false, at: T0 + 5 * S, source: 'silence' }]);
    expect(t.sweep(T0 + 400 * S)).toEqual([]);
  });

  it('when every online device falls silent together the verdict waits for the fleet hold', () => {
    const t = tracker();
    t.heartbeat('a', T0, false);
    t.heartbeat('b', T0, false);
    expect(t.sweep(T0 + 300 * S)).toEqual([]);
    const late = t.sweep(T0 + 811 * S);
    expect(late.map((x) => [x.device, x.at])).toEqual([
      ['a', T0],
      ['b', T0],
    ]);
  });

  it('after the collector link comes back, deadlines restart from then', () => {
    const t = tracker();
    t.heartbeat('a', T0, false);
    t.linkUp(T0 + 200 * S);
    expect(t.sweep(T0 + 300 * S)).toEqual([]);
    expect(t.sweep(T0 + 411 * S)).toHaveLength(1);
  });
});

describe('presence config', () => {
  it('derives silence from the heartbeat: a power cut is noticed within 4 minutes', () => {
    const c = parsePresenceConfig({});
    expect(c.silenceS + c.sweepS).toBeLessThanOrEqual(240);
    expect(parsePresenceConfig({ heartbeatS: 30 }).silenceS).toBe(120);
  });

  it('reports every error with its path', () => {
    try {
      parsePresenceConfig({ heartbeatS: -1, sweepS: 'x' });
      expect.unreachable();
    } catch (err) {
      expect((err as CollectorError).code).toBe('PRESENCE_CONFIG_INVALID');
      expect((err as CollectorError).problems.map((p) => p.split(':')[0]).sort()).toEqual(['heartbeatS', 'sweepS']);
    }
  });
});
