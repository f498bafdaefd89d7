import type { WriteOutcome } from './storage.ts';

/**
 * POSTs line protocol to InfluxDB 1.x /write (precision ns, into the raw retention policy). HTTP 204 is `ok`;
 * 400 (InfluxDB wrote what it could and will refuse the rest forever) is `refused`; anything else is
 * `unreachable`, so the batch goes to the disk spool and is retried later.
 */
export type InfluxTarget = {
  url: string;
  database: string;
  retentionPolicy?: string;
  username?: string;
  password?: string;
  timeoutMs: number;
};

export class InfluxWriter {
  readonly #endpoint: string;
  readonly #headers: Record<string, string>;

  constructor(readonly target: InfluxTarget) {
    const u = new URL('/write', target.url);
    u.searchParams.set('db', target.database);
    u.searchParams.set('precision', 'n');
    if (target.retentionPolicy) u.searchParams.set('rp', target.retentionPolicy);
    this.#endpoint = u.toString();
    this.#headers = { 'content-type': 'text/plain; charset=utf-8' };
    if (target.username !== undefined) {
      this.#headers.authorization = `Basic ${Buffer.from(`${target.username}:${target.password ?? ''}`).toString('base64')}`;
    }
  }

  async write(body: string): Promise<WriteOutcome> {
    if (body.length === 0) return { kind: 'ok' };
    try {
      const res = await fetch(this.#endpoint, {
        method: 'POST',
        body,
        headers: this.#headers,
        signal: AbortSignal.timeout(this.target.timeoutMs),
      });
      if (res.status === 204 || res.status === 200) {
        await res.arrayBuffer();
        return { kind: 'ok' };
      }
      const text = (await res.text()).slice(0, 500);
      if (res.status === 400) return { kind: 'refused', detail: text };
      return { kind: 'unreachable', detail: `HTTP ${res.status}: ${text}` };
    } catch (err) {
      const e = err as Error & { cause?: { code?: string } };
      return { kind: 'unreachable', detail: e.cause?.code ?? `${e.name}: ${e.message}` };
    }
  }
}
