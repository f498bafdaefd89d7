import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AudioCache, URGENT_RETRY } from '../../firmware-bridge/speaker/audio-cache.ts';
import { freePort } from '../../infra/ports.ts';
import { tempDir } from '../harness/temp.ts';
import { audioBytes, audioRefOf } from './helpers/fixtures.ts';

type Answer = (req: { n: number; headers: IncomingHttpHeaders }, res: import('node:http').ServerResponse) => void;

/** a console whose n-th answer for the audio is scripted */
async function flakyConsole(answer: Answer): Promise<{ url: string; seen: IncomingHttpHeaders[]; server: Server }> {
  const seen: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => {
    seen.push(req.headers);
    answer({ n: seen.length, headers: req.headers }, res);
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${port}`, seen, server };
}

describe('audio downloads: quick jittered retries for an emergency, resumed where they broke off', () => {
  const dir = tempDir('tt-audio-dl-');
  const servers: Server[] = [];
  afterEach(() => {
    for (const s of servers.splice(0)) {
      s.closeAllConnections();
      s.close();
    }
  });
  const body = Buffer.concat([audioBytes('bao-khan'), Buffer.alloc(40_000, 3)]);
  const ref = audioRefOf(body);

  it('a download cut half-way resumes with a Range on the same hash, and the whole is checked against the hash', async () => {
    const c = await flakyConsole(({ n, headers }, res) => {
      if (n === 1) {
        res.writeHead(200, { 'content-length': body.length });
        res.write(body.subarray(0, 20_000), () => res.destroy());
        return;
      }
      const from = Number(/^bytes=(\d+)-$/.exec(String(headers.range))?.[1]);
      res
        .writeHead(206, { 'content-range': `bytes ${from}-${body.length - 1}/${body.length}` })
        .end(body.subarray(from));
    });
    servers.push(c.server);
    const delays: number[] = [];
    const cache = new AudioCache({
      dir: join(dir, 'a'),
      consoleUrl: c.url,
      maxBytes: 1_000_000,
      timeoutMs: 10_000,
      sleep: async (ms) => void delays.push(ms),
    });
    expect(await cache.ensure(ref, { urgent: true })).toMatchObject({ ok: true });
    expect(c.seen).toHaveLength(2);
    expect(c.seen[0].range).toBeUndefined();
    expect(c.seen[1].range).toMatch(/^bytes=\d+-$/);
    expect(Number(/\d+/.exec(String(c.seen[1].range))![0])).toBeGreaterThan(0);
    expect(c.seen[1]['if-range']).toBe(`"${ref.sha256}"`);
    expect(cache.verified(ref)).toMatchObject({ ok: true });
    expect(delays).toHaveLength(1);
    expect(delays[0]).toBeLessThanOrEqual(URGENT_RETRY.baseMs);
  });

  it('a resumed download that does not add up is fetched whole again; bytes that never match are refused', async () => {
    let n = 0;
    const c = await flakyConsole((_req, res) => {
      n++;
      if (n === 1) {
        res.writeHead(200, { 'content-length': body.length });
        res.write(body.subarray(0, 10_000), () => res.destroy());
      } else if (n === 2) {
        // the resumed part is other bytes: the whole does not match its hash
        res.writeHead(206, { 'content-range': `bytes 10000-${body.length - 1}/${body.length}` });
        res.end(Buffer.alloc(body.length - 10_000, 9));
      } else res.writeHead(200).end(body);
    });
    servers.push(c.server);
    const cache = new AudioCache({
      dir: join(dir, 'b'),
      consoleUrl: c.url,
      maxBytes: 1_000_000,
      timeoutMs: 10_000,
      sleep: async () => {},
    });
    expect(await cache.ensure(ref, { urgent: true })).toMatchObject({ ok: true });
    expect(c.seen.map((h) => h.range ?? null)).toEqual([null, 'bytes=10000-', null]);
    // a console that always sends other bytes: refused, and not tried forever
    const evil = audioRefOf(audioBytes('that'));
    const liar = await flakyConsole((_req, res) => void res.writeHead(200).end(audioBytes('gia')));
    servers.push(liar.server);
    const cache2 = new AudioCache({
      dir: join(dir, 'c'),
      consoleUrl: liar.url,
      maxBytes: 1_000_000,
      timeoutMs: 10_000,
    });
    expect(await cache2.ensure(evil, { urgent: true })).toMatchObject({ ok: false, error: 'audio-hash-mismatch' });
    expect(liar.seen).toHaveLength(1);
  });

  it('an emergency retries a busy console at once and often, each wait a random share of a small bound; a 404 is final', async () => {
    const c = await flakyConsole(
      ({ n }, res) => void (n <= 4 ? res.writeHead(503).end() : res.writeHead(200).end(body)),
    );
    servers.push(c.server);
    const delays: number[] = [];
    const draws = [0.9, 0.1, 0.5, 1];
    const cache = new AudioCache({
      dir: join(dir, 'd'),
      consoleUrl: c.url,
      maxBytes: 1_000_000,
      timeoutMs: 10_000,
      sleep: async (ms) => void delays.push(ms),
      random: () => draws.shift() ?? 0,
    });
    expect(await cache.ensure(ref, { urgent: true })).toMatchObject({ ok: true });
    expect(c.seen).toHaveLength(5);
    // full jitter under 100, 200, 400, 800 ms
    expect(delays).toEqual([90, 20, 200, 800]);
    expect(cache.retries).toBe(4);
    const missing = await flakyConsole((_req, res) => void res.writeHead(404).end());
    servers.push(missing.server);
    const cache2 = new AudioCache({
      dir: join(dir, 'e'),
      consoleUrl: missing.url,
      maxBytes: 1_000_000,
      timeoutMs: 10_000,
      sleep: async () => {},
    });
    expect(await cache2.ensure(ref, { urgent: true })).toMatchObject({ ok: false, error: 'audio-fetch-failed' });
    expect(missing.seen).toHaveLength(1);
  });

  it('a console that stops sending mid-file (a stalled link) is given up on after the stall limit and tried again', async () => {
    const c = await flakyConsole(({ n }, res) => {
      if (n === 1) {
        res.writeHead(200, { 'content-length': body.length });
        res.write(body.subarray(0, 5_000)); // then nothing, connection left open
        return;
      }
      res.writeHead(200).end(body);
    });
    servers.push(c.server);
    const cache = new AudioCache({
      dir: join(dir, 'f'),
      consoleUrl: c.url,
      maxBytes: 1_000_000,
      timeoutMs: 30_000,
      retry: { urgent: { ...URGENT_RETRY, stallMs: 300 } },
      sleep: async () => {},
    });
    expect(await cache.ensure(ref, { urgent: true })).toMatchObject({ ok: true });
    expect(c.seen).toHaveLength(2);
  });
});
