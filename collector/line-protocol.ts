// biome-ignore lint/suspicious/noShadowRestrictedNames: influx's line-protocol escapes, not the global escape()
import { escape, type IPoint, type InfluxDB } from 'influx';

/**
 * Points → InfluxDB line protocol, using the influx package's own schema coercion (parsePoint) and
 * escape helpers, so the bytes are what writePoints would send (plus sorted tags, empty tags left out,
 * an escaped measurement). Encoding happens once per message when it is batched (a bad point is
 * charged to its message) and the batch is POSTed as text (influx-writer.ts); the spool stores the
 * same text. Timestamps: a Date is converted; a string or number is taken as nanoseconds.
 *
 * The escaped "measurement,tags" prefix is cached per series: a commune has a few hundred series
 * (device × level × time quality), and escaping them per point was the largest cost of the path.
 */
const PREFIX_CACHE_MAX = 50_000;
/** A trie over measurement, then (tag name, tag value) pairs in the caller's order: no key string is built per point. */
type Trie = { next: Map<string, Trie>; prefix?: string };
let prefixCache: Trie = { next: new Map() };
let cachedSeries = 0;

export function encodePoint(influx: InfluxDB, database: string, point: IPoint): string {
  const p = influx.parsePoint(point, { database, precision: 'n' });
  if (!p.measurement) throw new Error('point without measurement');
  if (p.fieldsPairs.length === 0) throw new Error(`point of ${p.measurement} without fields`);
  let line = seriesPrefix(p.measurement, p.tags as Record<string, unknown>, p.tagsNames);
  for (let i = 0; i < p.fieldsPairs.length; i++) {
    line += `${(i === 0 ? ' ' : ',') + fieldKey(p.fieldsPairs[i][0])}=${p.fieldsPairs[i][1]}`;
  }
  if (p.castedTimestamp !== undefined) line += ` ${p.castedTimestamp}`;
  // a raw line break inside a string field would split the line and fail the whole batch (InfluxDB 1.x line protocol)
  if (line.includes('\n') || line.includes('\r')) line = line.replace(/\r/g, '\\r').replace(/\n/g, '\\n');
  return line;
}

const fieldKeys = new Map<string, string>();
function fieldKey(name: string): string {
  let k = fieldKeys.get(name);
  if (k === undefined) {
    k = escape.tag(name);
    if (fieldKeys.size < 10_000) fieldKeys.set(name, k);
  }
  return k;
}

function seriesPrefix(measurement: string, tags: Record<string, unknown>, names: string[]): string {
  let node = step(prefixCache, measurement);
  for (let i = 0; i < names.length; i++) node = step(step(node, names[i]), String(tags[names[i]]));
  if (node.prefix !== undefined) return node.prefix;
  const sorted = [...names].sort();
  let prefix = escape.measurement(measurement);
  for (const name of sorted) {
    const value = tags[name];
    // an empty tag value is invalid line protocol: an absent tag (e.g. district in a two-tier province) is omitted
    if (value === undefined || value === null || value === '') continue;
    prefix += `,${escape.tag(name)}=${escape.tag(String(value))}`;
  }
  if (++cachedSeries > PREFIX_CACHE_MAX) {
    prefixCache = { next: new Map() };
    cachedSeries = 0;
  } else node.prefix = prefix;
  return prefix;
}

function step(node: Trie, key: string): Trie {
  let child = node.next.get(key);
  if (!child) {
    child = { next: new Map() };
    node.next.set(key, child);
  }
  return child;
}
