import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AudioRef, ScheduleDocument, ScheduleItem } from '../../../devices/contract/broadcast.ts';
import { generateScheduleKeys } from '../../../devices/schedule-signature.ts';
import { freePort } from '../../../infra/ports.ts';

export const COMMUNE = '26734';
export const HAMLET = 'thon-dong';
export const KEYS = generateScheduleKeys();
export const OTHER_KEYS = generateScheduleKeys();

export { waitFor } from '../../harness/wait.ts';

/** Never await an MQTT publish (or anything networked) without a deadline. */
export function withTimeout<T>(p: Promise<T>, ms = 20_000): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p,
    new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error('timeout')), ms))),
  ]).finally(() => clearTimeout(timer));
}

export function audioBytes(seed: string): Buffer {
  return Buffer.from(`RIFF-fake-audio-${seed}-`.repeat(50));
}

export function audioRefOf(bytes: Buffer): AudioRef {
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  return { sha256, path: `/audio/${sha256}`, bytes: bytes.length, durationS: 1, mime: 'audio/wav' };
}

/** The console's audio endpoint: serves files by hash; `serve` can map a hash to other bytes (tampering). */
export class AudioServer {
  private server: Server | null = null;
  readonly files = new Map<string, Buffer>();
  requests = 0;
  url = '';

  add(bytes: Buffer): AudioRef {
    const ref = audioRefOf(bytes);
    this.files.set(ref.sha256, bytes);
    return ref;
  }

  async start(): Promise<void> {
    const port = await freePort();
    this.server = createServer((req, res) => {
      this.requests++;
      const body = this.files.get((req.url ?? '').replace('/audio/', ''));
      if (!body) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'audio/wav' }).end(body);
    });
    await new Promise<void>((r) => this.server!.listen(port, '127.0.0.1', () => r()));
    this.url = `http://127.0.0.1:${port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}

export function item(over: Partial<ScheduleItem> & { audio: AudioRef; occurrences: string[] }): ScheduleItem {
  return {
    announcement: 'thong-bao-1',
    title: 'Thông báo lịch tiêm chủng',
    priority: 'normal',
    volume: 80,
    repeats: 1,
    validityS: 300,
    ...over,
  };
}

export function scheduleDoc(
  speaker: string,
  version: number,
  items: ScheduleItem[],
  over: Partial<ScheduleDocument> = {},
): ScheduleDocument {
  return {
    v: 1,
    commune: COMMUNE,
    speaker,
    hamlet: HAMLET,
    version,
    issuedAt: '2026-11-25T00:00:00.000Z',
    horizon: '2026-12-31T00:00:00.000Z',
    items,
    ...over,
  };
}

export const iso = (ms: number) => new Date(ms).toISOString();
