import type { QueryRunner, Series } from '../../devices/storage/influxql.ts';
import { ReportError } from './errors.ts';

/** Runs one InfluxQL statement over HTTP (POST /query, epoch ms); errors become coded INFLUX errors. */
export function httpQueryRunner(url: string, database: string, timeoutMs = 60_000): QueryRunner {
  return async (query) => {
    const body = new URLSearchParams({ db: database, q: query, epoch: 'ms' });
    let res: Response;
    try {
      res = await fetch(new URL('/query', url), { method: 'POST', body, signal: AbortSignal.timeout(timeoutMs) });
    } catch (err) {
      throw new ReportError('INFLUX', `Không kết nối được InfluxDB tại ${url}: ${(err as Error).message}`);
    }
    const json = (await res.json().catch(() => ({}))) as {
      error?: string;
      results?: { error?: string; series?: Series[] }[];
    };
    const error = json.error ?? json.results?.[0]?.error;
    if (!res.ok || error) throw new ReportError('INFLUX', `InfluxDB báo lỗi (${res.status}): ${error ?? 'không rõ'}`);
    return json.results?.[0]?.series ?? [];
  };
}
