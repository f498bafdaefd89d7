import { readFileSync } from 'node:fs';
import WebSocket from 'ws';
import { ffmpegGenerate } from '../sound/audio-gen.ts';
import { waitFor, type Env } from './helpers.ts';

/** Live sessions over the API: the province's quiet hours, a "browser" feeding a session, waiting for its state. */

/** the province (99) sets its sound policy; its communes without their own follow it */
export function setProvinceQuietHours(e: Env, periods: { from: string; to: string }[]): void {
  e.console.store.policies.set(
    'province',
    '99',
    { quietHours: { periods, exempt: ['emergency'] }, volumeCaps: [] },
    'test',
    new Date().toISOString(),
  );
}

/** the "browser": WebM/Opus chunks of a tone every 100 ms over the session's feed socket */
export function feedFrom(dir: string, e: Env, token: string, id: string, name: string): { close(): void } {
  const webm = readFileSync(
    ffmpegGenerate(dir, `${name}.webm`, 'sine=frequency=800:sample_rate=48000:duration=90', [
      '-c:a',
      'libopus',
      '-b:a',
      '32k',
      '-f',
      'webm',
    ]),
  );
  const ws = new WebSocket(`${e.console.url.replace('http', 'ws')}/api/live/${id}/feed`, {
    headers: { authorization: `Bearer ${token}` },
  });
  let offset = 0;
  const pump = setInterval(() => {
    if (ws.readyState !== WebSocket.OPEN || offset >= webm.length) return;
    ws.send(webm.subarray(offset, offset + 500));
    offset += 500;
  }, 100);
  return {
    close() {
      clearInterval(pump);
      ws.close();
    },
  };
}

export async function waitForStatus(e: Env, token: string, id: string, status: string) {
  return waitFor(
    async () => {
      const r = (await e.api(token, 'GET', `/api/live/${id}`)).body;
      return r.status === status && r;
    },
    30_000,
    `session ${status}`,
  );
}

/** on air and announced to the speakers (the start is audited once the signed item exists) */
export async function onAir(e: Env, token: string, id: string) {
  await waitForStatus(e, token, id, 'on-air');
  await waitFor(
    async () =>
      (await e.api(token, 'GET', '/api/audit')).body.items.some(
        (a: { action: string; target: string }) => a.action === 'live.start' && a.target === id,
      ),
    30_000,
    'live.start audited',
  );
}
