/**
 * Reference: InfluxDB's raw line-protocol write rate on this machine, for rating-shaped points
 * (same tags and fields as the collector writes), hand-built strings POSTed in batches.
 */
export type RawWriteResult = { points: number; seconds: number; perSecond: number };

export function ratingLine(i: number, device: string, timeNs: bigint): string {
  const levels = ['rat-hai-long', 'hai-long', 'binh-thuong', 'khong-hai-long'];
  const level = levels[i % 4];
  return `rating,commune=90001,counter=xa1-quay1,device=${device},kind=rating-box,level=${level},province=99,time_quality=synced value=${4 - (i % 4)}i,id="raw-${i}" ${timeNs}`;
}

export async function rawLineProtocolRate(opts: { url: string; database: string; points: number; batch: number; concurrency: number; devices: number }): Promise<RawWriteResult> {
  await fetch(`${opts.url}/query?q=${encodeURIComponent(`CREATE DATABASE "${opts.database}"`)}`, { method: 'POST' });
  const base = BigInt(Date.now() - 3600_000) * 1_000_000n;
  const batches: string[] = [];
  for (let start = 0; start < opts.points; start += opts.batch) {
    const lines: string[] = [];
    for (let i = start; i < Math.min(opts.points, start + opts.batch); i++) {
      lines.push(ratingLine(i, `bench-box-${i % opts.devices}`, base + BigInt(i) * 1000n));
    }
    batches.push(lines.join('\n'));
  }
  const t0 = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < batches.length) {
      const body = batches[next++];
      const res = await fetch(`${opts.url}/write?db=${opts.database}&precision=ns`, { method: 'POST', body });
      if (res.status !== 204) throw new Error(`raw write failed: ${res.status} ${await res.text()}`);
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  const seconds = (performance.now() - t0) / 1000;
  return { points: opts.points, seconds, perSecond: opts.points / seconds };
}
