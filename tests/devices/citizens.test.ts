import { describe, expect, it } from 'vitest';
import { pickLevel, rng } from '../../simulator/citizens.ts';
import { DEMO_UNITS } from '../../devices/fixtures/demo-province.ts';

/** The demo's citizens: a commune's quality decides its satisfaction index, over a wide range. */
const satisfiedShare = (quality: number, draws = 20_000) => {
  const random = rng(7);
  let satisfied = 0;
  for (let i = 0; i < draws; i++) if (['rat-hai-long', 'hai-long'].includes(pickLevel(random, quality))) satisfied++;
  return satisfied / draws;
};

describe('pickLevel', () => {
  it('gives a satisfied share of about 40 % + 55 % × quality', () => {
    for (const q of [0, 0.3, 0.6, 0.95, 1]) expect(satisfiedShare(q)).toBeCloseTo(0.4 + 0.55 * q, 1);
  });

  it('spreads the demo communes over more than 30 index points, each level present', () => {
    const shares = DEMO_UNITS.map((u) => satisfiedShare(u.quality, 5_000));
    expect(Math.max(...shares) - Math.min(...shares)).toBeGreaterThan(0.3);
    const random = rng(1);
    const seen = new Set(Array.from({ length: 2_000 }, () => pickLevel(random, 0.5)));
    expect([...seen].sort()).toEqual(['binh-thuong', 'hai-long', 'khong-hai-long', 'rat-hai-long']);
  });
});
