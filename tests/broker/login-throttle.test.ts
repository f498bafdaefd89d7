import { describe, expect, it } from 'vitest';
import { LoginThrottle } from '../../broker/login-throttle.ts';
import { BOX, BOX2, refusedCode, startTestBroker } from './helpers.ts';

describe('broker login throttle: failed verifications per address and per client id', async () => {
  const t = await startTestBroker({
    config: {
      loginThrottle: {
        perAddress: { burst: 8, perMinute: 1 },
        perClientId: { burst: 3, perMinute: 1 },
        refusalDelayMs: 100,
      },
    },
  });
  const url = `mqtt://127.0.0.1:${t.broker.port}`;
  const stats = () => t.broker.stats();
  const wrong = (id: string, n: number) => refusedCode(url, { clientId: id, username: id, password: `sai-${n}` });

  it('lets a device with its right password in before the attack (it is then known good)', async () => {
    const box = await t.connect(BOX);
    await box.endAsync();
  });

  it('refuses wrong passwords on one id beyond its burst without running scrypt, CONNACK 4, counted', async () => {
    const runs = stats().passwordVerifications;
    const codes = [];
    for (let i = 0; i < 6; i++) codes.push(await wrong(BOX2, i));
    expect(codes).toEqual([4, 4, 4, 4, 4, 4]);
    expect(stats().passwordVerifications - runs).toBe(3); // the per-id burst; the other 3 never reached scrypt
    expect(stats().refusals['auth-throttled']).toBe(3);
    expect(stats().refusals['auth-bad-password']).toBe(3);
  });

  it('refuses wrong passwords across ids from one address beyond the address burst', async () => {
    const runs = stats().passwordVerifications;
    const ids = ['xa1-ap1-loa', 'node-red', 'console', 'collector', 'xa9-khong-co', 'xa8-khong-co', 'xa7-khong-co'];
    for (const [i, id] of ids.entries()) expect(await wrong(id, 100 + i)).toBe(4);
    // 3 tokens of the address went on BOX2 above: 5 left for these 7 attempts
    expect(stats().passwordVerifications - runs).toBeLessThanOrEqual(5);
    expect(stats().refusals['auth-throttled']).toBeGreaterThanOrEqual(3 + 2);
  });

  it('still lets the device whose password is right in at once, from the exhausted address', async () => {
    const runs = stats().passwordVerifications;
    const box = await t.connect(BOX);
    expect(box.connected).toBe(true);
    await box.endAsync();
    expect(stats().passwordVerifications).toBe(runs);
  });
});

describe('broker login throttle: a reconnect storm of right passwords from one address', async () => {
  const t = await startTestBroker({
    demo: { communes: 2, countersPerCommune: 12, hamletsPerCommune: 1 },
    config: { loginThrottle: { perAddress: { burst: 4, perMinute: 1 }, perClientId: { burst: 2, perMinute: 1 } } },
  });

  it('lets every device in although more than the address burst verify at once (they wait their turn)', async () => {
    const ids = [...t.registry.devices.keys()];
    expect(ids.length).toBeGreaterThan(20);
    const clients = await Promise.all(ids.map((id) => t.connect(id)));
    expect(clients.every((c) => c.connected)).toBe(true);
    expect(t.broker.stats().refusals['auth-throttled']).toBeUndefined();
    expect(t.broker.stats().passwordVerifications).toBe(ids.length);
  });
});

describe('login throttle unit: concurrent wrong passwords', () => {
  it('runs no more verifications than the bucket holds, refuses the rest once they failed, leaves none waiting', async () => {
    const clock = { now: () => 0, monotonic: () => 0, setTimeout: (fn: () => void) => (fn(), { cancel() {} }) };
    const throttle = new LoginThrottle(
      {
        perAddress: { burst: 5, perMinute: 1 },
        perClientId: { burst: 1000, perMinute: 1 },
        refusalDelayMs: 0,
        maxDelayed: 0,
        maxWaiting: 1000,
      },
      clock,
    );
    const verdicts: string[] = [];
    const all = Array.from({ length: 100 }, (_, i) =>
      throttle.admit('10.0.0.9', `id-${i}`, Buffer.from('sai')).then((v) => {
        verdicts.push(v);
        if (v === 'verify') setImmediate(() => throttle.settle('10.0.0.9', `id-${i}`, Buffer.from('sai'), false));
      }),
    );
    await Promise.all(all); // resolves only if no admission stays waiting
    expect(verdicts.filter((v) => v === 'verify')).toHaveLength(5);
    expect(verdicts.filter((v) => v === 'refuse')).toHaveLength(95);
  });
});
