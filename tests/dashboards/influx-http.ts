/** Minimal InfluxDB 1.x HTTP helpers for the dashboard/report tests (real influxd from the harness). */
export type Series = { name: string; tags?: Record<string, string>; columns: string[]; values: unknown[][] };

export async function influxQuery(url: string, db: string, q: string): Promise<Series[]> {
  const res = await fetch(new URL('/query', url), {
    method: 'POST',
    body: new URLSearchParams({ db, q, epoch: 'ms' }),
  });
  const json = (await res.json()) as { error?: string; results: { error?: string; series?: Series[] }[] };
  const err = json.error ?? json.results?.[0]?.error;
  if (err) throw new Error(`${err}\n  in: ${q}`);
  return json.results[0].series ?? [];
}

export async function influxWrite(url: string, db: string, lines: string[], rp?: string): Promise<void> {
  const u = new URL('/write', url);
  u.searchParams.set('db', db);
  u.searchParams.set('precision', 'ms');
  if (rp) u.searchParams.set('rp', rp);
  const res = await fetch(u, { method: 'POST', body: lines.join('\n') });
  if (res.status !== 204) throw new Error(`write failed ${res.status}: ${await res.text()}`);
}

export async function createDb(url: string, db: string): Promise<void> {
  await influxQuery(url, db, `CREATE DATABASE "${db}"`);
}

/** Vietnam wall time → epoch ms ('2025-03-03 08:10' is 01:10 UTC). */
export function vn(text: string): number {
  return Date.parse(`${text.replace(' ', 'T')}:00+07:00`);
}
