import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { BOX, BOX2, refusedCode, startTestBroker, waitFor } from './helpers.ts';

describe('broker authentication', async () => {
  const lines: string[] = [];
  const log = pino(
    { level: 'info' },
    new Writable({ write: (chunk, _enc, next) => (lines.push(...String(chunk).trim().split('\n')), next()) }),
  );
  const t = await startTestBroker({ log });
  const url = `mqtt://127.0.0.1:${t.broker.port}`;

  it('accepts a device and each service with their registry passwords', async () => {
    for (const id of [BOX, 'collector', 'console', 'node-red']) {
      const c = await t.connect(id);
      expect(c.connected).toBe(true);
      await c.endAsync();
    }
  });

  it('refuses a wrong password with CONNACK 4 and counts it', async () => {
    const before = t.broker.stats().refusals['auth-bad-password'] ?? 0;
    expect(await refusedCode(url, { clientId: BOX, username: BOX, password: 'sai-mat-khau' })).toBe(4);
    expect(t.broker.stats().refusals['auth-bad-password']).toBe(before + 1);
  });

  it('refuses an unknown client with CONNACK 4 and counts it', async () => {
    expect(await refusedCode(url, { clientId: 'xa9-quay1-box', username: 'xa9-quay1-box', password: 'x' })).toBe(4);
    expect(t.broker.stats().refusals['auth-unknown-client']).toBe(1);
  });

  it('refuses a client id that differs from the username with CONNACK 2, even with a right password', async () => {
    expect(await refusedCode(url, { clientId: BOX2, username: BOX, password: t.secrets[BOX] })).toBe(2);
    expect(t.broker.stats().refusals['auth-client-id-mismatch']).toBe(1);
  });

  it('refuses a connection without credentials', async () => {
    expect(await refusedCode(url, { clientId: BOX })).toBe(4);
    expect(t.broker.stats().refusals['auth-missing-credentials']).toBe(1);
  });

  it('refuses an MQTT 5 client cleanly and counts it', async () => {
    const code = await refusedCode(url, { clientId: BOX, username: BOX, password: t.secrets[BOX], protocolVersion: 5 });
    expect(code).toBe(1); // CONNACK 1: unacceptable protocol version (aedes speaks 3.1.1)
    expect(t.broker.stats().refusals['auth-protocol-version']).toBe(1);
    const c = await t.connect(BOX); // and the broker still serves 3.1.1 clients
    expect(c.connected).toBe(true);
    await c.endAsync();
  });

  it('verifies a password once for a reconnect storm (cache), and never caches a wrong one as right', async () => {
    const before = t.broker.stats().passwordVerifications;
    for (let i = 0; i < 5; i++) {
      const c = await t.connect(BOX2);
      await c.endAsync();
    }
    expect(t.broker.stats().passwordVerifications - before).toBe(1);
    expect(await refusedCode(url, { clientId: BOX2, username: BOX2, password: `${t.secrets[BOX2]}x` })).toBe(4);
    await waitFor(() => t.broker.stats().clients === 0, 20_000, 'clients gone');
  });

  it('logged each refusal with its reason and client id, and never a password', () => {
    const refusals = lines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'refused');
    expect(refusals).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ reason: 'auth-bad-password', clientId: BOX }),
        expect.objectContaining({ reason: 'auth-unknown-client', clientId: 'xa9-quay1-box' }),
        expect.objectContaining({ reason: 'auth-client-id-mismatch', clientId: BOX2 }),
      ]),
    );
    const all = lines.join('\n');
    for (const secret of [t.secrets[BOX], t.secrets[BOX2], 'sai-mat-khau']) expect(all).not.toContain(secret);
  });
});
