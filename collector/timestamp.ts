/**
 * Idempotent point timestamps: ns = at(ms)·1e6 + (stable hash of the message id mod 1e6).
 * A redelivered message lands on the same series and nanosecond, so InfluxDB overwrites it
 * instead of storing it twice; two different ids of one device in one millisecond differ
 * with probability 1 − 1e-6.
 */
export function idTimestampNs(atMs: number, id: string): string {
  return (BigInt(Math.trunc(atMs)) * 1_000_000n + BigInt(stableHash(id) % 1_000_000)).toString();
}

/** cyrb53: a fast, well-mixed 53-bit string hash, identical on every run and machine. */
export function stableHash(str: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < str.length; i++) {
    const ch = str.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}
