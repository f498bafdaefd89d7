import { describe, expect, it } from 'vitest';
import {
  areaMean,
  PRIOR_WEIGHT,
  rankUnits,
  satisfactionIndex,
  SATISFIED_LEVELS,
  shrunkIndex,
} from '../../devices/analytics/satisfaction.ts';

describe('satisfaction index (top-two-box, SIPAS)', () => {
  it('is the share of "Hài lòng" + "Rất hài lòng" ratings, in percent', () => {
    expect(SATISFIED_LEVELS).toEqual(['rat-hai-long', 'hai-long']);
    const r = satisfactionIndex({ 'rat-hai-long': 3, 'hai-long': 1, 'binh-thuong': 1, 'khong-hai-long': 1 });
    expect(r.n).toBe(6);
    expect(r.satisfied).toBe(4);
    expect(r.index).toBeCloseTo(66.6667, 4);
  });

  it('has no value (not 0) without ratings, and works for 3-button boxes', () => {
    expect(satisfactionIndex({}).index).toBeNull();
    expect(satisfactionIndex({ 'rat-hai-long': 1, 'khong-hai-long': 3 }).index).toBe(25);
  });

  it('shrinks toward the area mean with m pseudo-ratings', () => {
    expect(PRIOR_WEIGHT).toBe(50);
    expect(shrunkIndex(5, 5, 0.8)).toBeCloseTo((100 * 45) / 55, 9); // 81.818…
    expect(shrunkIndex(0, 0, 0.8)).toBeCloseTo(80, 9);
    expect(shrunkIndex(4000, 5000, 0.8, 0)).toBe(80);
  });

  it('pools the area mean over ratings, not over communes', () => {
    expect(areaMean([{ 'hai-long': 1 }, { 'khong-hai-long': 9 }])).toBeCloseTo(0.1, 9);
    expect(areaMean([{}])).toBeNull();
  });

  it('does not let 5 perfect ratings top 5,000 good ones', () => {
    const units = [
      { id: 'small', c: { 'rat-hai-long': 5 } },
      { id: 'big', c: { 'rat-hai-long': 4750, 'khong-hai-long': 250 } },
      { id: 'weak', c: { 'hai-long': 3000, 'khong-hai-long': 2000 } },
      { id: 'none', c: {} },
    ];
    const ranked = rankUnits(units, (u) => u.c);
    const p0 = (5 + 4750 + 3000) / 10005;
    expect(ranked.map((r) => r.id)).toEqual(['big', 'small', 'weak', 'none']);
    expect(ranked[1].shrunk).toBeCloseTo((100 * (5 + 50 * p0)) / 55, 9);
    expect(ranked[0].shrunk).toBeCloseTo((100 * (4750 + 50 * p0)) / 5050, 9);
    expect(ranked[1].index).toBe(100); // the raw index is still shown beside
    expect(ranked.map((r) => r.rank)).toEqual([1, 2, 3, null]);
  });
});
