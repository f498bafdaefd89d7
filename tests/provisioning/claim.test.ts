import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { claimDevice } from '../../firmware-bridge/provision/claim.ts';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBrokerConfig, startBroker, type RunningBroker } from '../../broker/index.ts';
import { parseConfig, startConsole, type RunningConsole } from '../../console/index.ts';
import { verifyPassword } from '../../devices/credentials.ts';
import { loadRegistry } from '../../devices/registry/index.ts';
import { demoRegistry } from '../../simulator/demo-registry.ts';
import { silentLogger } from '../../infra/logger.ts';
import { CHEAP, PASSWORD } from '../console/helpers.ts';
import { tempDir } from '../harness/temp.ts';

/**
 * Provisioning by one-time code against a real broker and console: staff register a Pi, the Pi claims once with
 * the code and gets a fresh password whose hash is in the registry file the broker reads; reused, wrong and
 * guessed codes are refused, guessing is throttled.
 */
describe('device provisioning by one-time code', () => {
  const dir = tempDir('tt-provisioning-');
  const registryPath = join(dir, 'registry.yaml');
  let broker: RunningBroker;
  let consoleApp: RunningConsole;
  let secrets: Record<string, string>;
  const tokens: Record<string, string> = {};

  const startBrokerFromFile = (port = 0) =>
    startBroker({
      config: parseBrokerConfig({ host: '127.0.0.1', port, registryPath }),
      registry: loadRegistry(registryPath),
      log: silentLogger,
    });

  async function api(token: string | null, method: string, path: string, body?: unknown) {
    const headers: Record<string, string> = {};
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${consoleApp.url}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return {
      status: res.status,
      body: text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text,
    } as { status: number; body: any };
  }

  beforeAll(async () => {
    const demo = await demoRegistry({ communes: 2, hamletsPerCommune: 2, countersPerCommune: 1, cost: CHEAP });
    secrets = demo.secrets;
    writeFileSync(registryPath, demo.yaml);
    writeFileSync(join(dir, 'ca.pem'), '-----BEGIN CERTIFICATE-----\nMIIBtest\n-----END CERTIFICATE-----\n');
    broker = await startBrokerFromFile();
    const config = parseConfig({
      dataDir: join(dir, 'console'),
      registryPath,
      http: { port: 0, secureCookies: false },
      mqtt: { url: `mqtt://127.0.0.1:${broker.port}`, username: 'console', password: secrets.console },
      provisioning: {
        brokerUrl: 'mqtts://may-chu.xa1.local:8883',
        caFile: join(dir, 'ca.pem'),
        claimFailuresPerSource: 4,
      },
    });
    consoleApp = await startConsole({
      config,
      registry: loadRegistry(registryPath),
      log: silentLogger,
      hashCost: CHEAP,
    });
    for (const u of [
      { username: 'canbo1', role: 'staff', communes: ['90001'] },
      { username: 'canbo2', role: 'staff', communes: ['90002'] },
      { username: 'huyen', role: 'district', communes: ['90001', '90002'] },
    ]) {
      await consoleApp.users.create({ ...u, password: PASSWORD }, 'test');
      tokens[u.username] = (
        await api(null, 'POST', '/api/session', { username: u.username, password: PASSWORD })
      ).body.token;
    }
  });
  afterAll(async () => {
    await consoleApp?.close();
    await broker?.close();
  });

  const register = (who: string, body: unknown) => api(tokens[who] ?? null, 'POST', '/api/provisioning/devices', body);
  const claim = (code: unknown) => api(null, 'POST', '/api/provisioning/claim', { code });

  it('registers a box: a one-time code and its QR; the list never shows codes', async () => {
    const r = await register('canbo1', {
      kind: 'rating-box',
      id: 'xa1-quay1-box2',
      counter: 'xa1-quay1',
      name: 'Hộp đánh giá 2',
    });
    expect(r.status).toBe(201);
    expect(r.body.registration.code).toMatch(/^[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$/);
    expect(r.body.registration.qrSvg).toMatch(/^<svg/);
    const list = await api(tokens.canbo1, 'GET', '/api/provisioning/devices');
    expect(list.body.items).toEqual([
      expect.objectContaining({ deviceId: 'xa1-quay1-box2', state: 'pending', commune: '90001' }),
    ]);
    expect(JSON.stringify(list.body)).not.toContain(r.body.registration.code);
    // another commune's staff see nothing of it
    expect((await api(tokens.canbo2, 'GET', '/api/provisioning/devices')).body.items).toEqual([]);
  });

  it('refuses registrations outside the own commune, by read-only roles, anonymous ones and taken ids', async () => {
    expect(
      (await register('canbo2', { kind: 'rating-box', id: 'xa2-new-box', counter: 'xa1-quay1' })).body.error.code,
    ).toBe('PLACE_UNKNOWN');
    expect((await register('huyen', { kind: 'speaker', id: 'xa1-new-loa', hamlet: 'xa1-ap1' })).status).toBe(403);
    expect((await register('nobody', { kind: 'speaker', id: 'xa1-new-loa', hamlet: 'xa1-ap1' })).status).toBe(401);
    expect((await register('canbo1', { kind: 'speaker', id: 'xa1-ap1-loa', hamlet: 'xa1-ap1' })).body.error.code).toBe(
      'DEVICE_EXISTS',
    );
    expect((await register('canbo1', { kind: 'speaker', id: 'Bad Id', hamlet: 'xa1-ap1' })).body.error.code).toBe(
      'INVALID_INPUT',
    );
    expect((await register('canbo1', { kind: 'toaster', id: 'xa1-x' })).body.error.code).toBe('INVALID_INPUT');
  });

  it('a good code gives the Pi its credentials once; the broker, reloading the registry, lets it in', async () => {
    const reg = await register('canbo1', { kind: 'speaker', id: 'xa1-ap2-loa2', hamlet: 'xa1-ap2' });
    const r = await claim(reg.body.registration.code.toLowerCase().replace(/-/g, ' '));
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      deviceId: 'xa1-ap2-loa2',
      kind: 'speaker',
      commune: '90001',
      broker: { url: 'mqtts://may-chu.xa1.local:8883' },
    });
    expect(r.body.broker.caPem).toContain('BEGIN CERTIFICATE');
    expect(r.body.broadcastKey).toBe(consoleApp.keys.get('90001')!.publicKeyDer);
    const password: string = r.body.password;
    expect(password.length).toBeGreaterThanOrEqual(32);

    const file = readFileSync(registryPath, 'utf8');
    expect(file).not.toContain(password);
    const entry = loadRegistry(registryPath).device('xa1-ap2-loa2');
    expect(entry?.device).toMatchObject({ kind: 'speaker', hamlet: 'xa1-ap2' });
    expect(await verifyPassword(password, entry!.device.passwordHash)).toBe(true);

    // reused: refused, and the registry is unchanged
    const again = await claim(reg.body.registration.code);
    expect(again.status).toBe(400);
    expect(again.body.error.code).toBe('CLAIM_INVALID');
    expect(readFileSync(registryPath, 'utf8')).toBe(file);

    const port = broker.port;
    await broker.close();
    broker = await startBrokerFromFile(port);
    const device = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
      clientId: 'xa1-ap2-loa2',
      username: 'xa1-ap2-loa2',
      password,
      protocolVersion: 4,
      reconnectPeriod: 0,
    });
    expect(device.connected).toBe(true);
    await device.endAsync(true);
    const state = (await api(tokens.canbo1, 'GET', '/api/provisioning/devices')).body.items.find(
      (d: any) => d.deviceId === 'xa1-ap2-loa2',
    );
    expect(state.state).toBe('claimed');
  });

  it("the Pi's claim tool writes its password, CA and a bridge config the bridge accepts", async () => {
    const reg = await register('canbo1', { kind: 'speaker', id: 'xa1-ap2-loa5', hamlet: 'xa1-ap2' });
    const out = join(dir, 'pi-etc');
    const template = join(dir, 'bridge.template.yaml');
    writeFileSync(
      template,
      'io: {kind: gpiod, chip: gpiochip4}\nunits:\n  speaker: {relayPin: 17, player: {kind: fake}}\n',
    );
    const claimed = await claimDevice({
      console: consoleApp.url,
      code: `thanthien-claim:${reg.body.registration.code}`,
      template,
      out,
    });
    expect(claimed.deviceId).toBe('xa1-ap2-loa5');
    const config = parseYaml(readFileSync(join(out, 'bridge.yaml'), 'utf8'));
    expect(config).toMatchObject({
      deviceId: 'xa1-ap2-loa5',
      io: { kind: 'gpiod', chip: 'gpiochip4' },
      broker: { url: 'mqtts://may-chu.xa1.local:8883', passwordFile: join(out, 'password'), ca: join(out, 'ca.pem') },
    });
    expect(config.units.speaker.schedulePublicKey).toBe(consoleApp.keys.get('90001')!.publicKeyDer);
    // the speaker's identity from the claim, its wiring from the template: a section the bridge accepts
    expect(config.units.speaker).toMatchObject({
      commune: '90001',
      hamlet: 'xa1-ap2',
      consoleUrl: consoleApp.url,
      relayPin: 17,
    });
    expect(statSync(join(out, 'password')).mode & 0o777).toBe(0o600);
    const entry = loadRegistry(registryPath).device('xa1-ap2-loa5')!;
    expect(await verifyPassword(readFileSync(join(out, 'password'), 'utf8').trim(), entry.device.passwordHash)).toBe(
      true,
    );
  });

  it('two claims racing with one code: exactly one wins', async () => {
    const reg = await register('canbo1', { kind: 'speaker', id: 'xa1-ap1-loa3', hamlet: 'xa1-ap1' });
    const results = await Promise.all([claim(reg.body.registration.code), claim(reg.body.registration.code)]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 400]);
    expect(
      loadRegistry(registryPath).file.provinces[0]!.communes[0]!.devices.filter((d) => d.id === 'xa1-ap1-loa3'),
    ).toHaveLength(1);
  });

  it('a cancelled code no longer works', async () => {
    const reg = await register('canbo1', { kind: 'speaker', id: 'xa1-ap1-loa4', hamlet: 'xa1-ap1' });
    expect((await api(tokens.canbo2, 'DELETE', '/api/provisioning/devices/xa1-ap1-loa4')).status).toBe(404);
    expect((await api(tokens.canbo1, 'DELETE', '/api/provisioning/devices/xa1-ap1-loa4')).status).toBe(204);
    expect((await claim(reg.body.registration.code)).body.error.code).toBe('CLAIM_INVALID');
  });

  it('wrong and malformed codes are refused; past the limit even a good code is throttled', async () => {
    const reg = await register('canbo1', { kind: 'rating-box', id: 'xa1-quay1-box3', counter: 'xa1-quay1' });
    // three failures so far from this address (reused, race loser, cancelled); one more reaches the limit of 4
    const wrong = await claim('2222-3333-4444');
    expect(wrong.body.error.code).toBe('CLAIM_INVALID');
    const throttled = await claim(reg.body.registration.code);
    expect(throttled.status).toBe(429);
    expect(throttled.body.error.code).toBe('CLAIM_THROTTLED');
    expect((await api(null, 'POST', '/api/provisioning/claim', '{"code":')).status).toBe(400);
    expect(loadRegistry(registryPath).device('xa1-quay1-box3')).toBeUndefined();
  });
});
