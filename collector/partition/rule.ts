import { createHash } from 'node:crypto';
import { Registry } from '../../devices/registry/index.ts';
import { CHANNELS, topicFor, type Channel } from '../../devices/topics.ts';

/**
 * The partition rule: each commune belongs to exactly one live collector, chosen by rendezvous
 * (highest-random-weight) hashing of (collector id, commune code). Every collector computes the
 * same answer from the same member list, with no coordinator; when a collector leaves, only its
 * communes move (each to the member with the next highest weight); when one joins, it takes about
 * 1/n of the communes from the others. A commune is the unit because its devices, counters and
 * alerts belong together (presence, silent-box and camera watches are per commune's devices).
 */
export function ownerOf(commune: string, members: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestWeight = -1n;
  for (const m of members) {
    const w = createHash('sha256').update(m).update('\n').update(commune).digest().readBigUInt64BE(0);
    if (w > bestWeight || (w === bestWeight && best !== undefined && m < best)) {
      best = m;
      bestWeight = w;
    }
  }
  return best;
}

export function ownedCommunes(self: string, members: readonly string[], communes: Iterable<string>): string[] {
  return [...communes].filter((c) => ownerOf(c, members) === self).sort();
}

/** The registry restricted to some communes (a collector stores, acknowledges and watches only these). */
export function registryView(registry: Registry, communes: readonly string[]): Registry {
  const keep = new Set(communes);
  const file = registry.file;
  return new Registry({
    ...file,
    provinces: file.provinces.map((p) => ({
      ...p,
      communes: p.communes.filter((c) => keep.has(c.code)),
      districts: p.districts.map((d) => ({ ...d, communes: d.communes.filter((c) => keep.has(c.code)) })),
    })),
  });
}

/** One filter per device and channel of the view (aedes has no shared subscriptions to split a wildcard). */
export function deviceFilters(view: Registry, channels: readonly Channel[]): string[] {
  const filters: string[] = [];
  for (const [id, entry] of view.devices) {
    for (const c of channels) {
      if ((CHANNELS[c].kinds as readonly string[]).includes(entry.device.kind)) filters.push(topicFor(id, c));
    }
  }
  return filters;
}
