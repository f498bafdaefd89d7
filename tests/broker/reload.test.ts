import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { hashPassword } from '../../devices/credentials.ts';
import { parseRegistry, type RegistryFile } from '../../devices/registry/index.ts';
import { demoRegistry } from '../../simulator/demo-registry.ts';
import { topicFor } from '../../devices/topics.ts';
import { ServiceProcess } from '../../infra/child.ts';
import { freePort } from '../../infra/ports.ts';
import { tempDir } from '../harness/temp.ts';
import {
  BOX,
  BOX2,
  CHEAP,
  SPEAKER,
  publishAcked,
  refusedCode,
  startTestBroker,
  subscribeGranted,
  waitFor,
} from './helpers.ts';

const NEW_BOX = 'xa1-quay1-box9';
const BAD_CREDENTIALS = 4; // CONNACK "bad user name or password"

/** the registry with BOX removed, BOX2 given a new password and NEW_BOX added */
async function edited(file: RegistryFile, newPassword: string): Promise<RegistryFile> {
  const next = structuredClone(file);
  const commune = next.provinces
    .flatMap((p) => [...p.communes, ...p.districts.flatMap((d) => d.communes)])
    .find((c) => c.devices.some((d) => d.id === BOX))!;
  const box = commune.devices.find((d) => d.id === BOX)!;
  commune.devices = commune.devices.filter((d) => d.id !== BOX);
  commune.devices.push({ ...box, id: NEW_BOX, passwordHash: await hashPassword(newPassword, CHEAP) });
  commune.devices.find((d) => d.id === BOX2)!.passwordHash = await hashPassword(newPassword, CHEAP);
  return next;
}

describe('registry reload without a restart', () => {
  it('applies added, removed and changed credentials to new connections; disconnects removed and changed clients; the rest stay', async () => {
    const t = await startTestBroker();
    const url = `mqtt://127.0.0.1:${t.broker.port}`;
    const box = await t.connect(BOX, { reconnectPeriod: 0 });
    const box2 = await t.connect(BOX2, { reconnectPeriod: 0 });
    const speaker = await t.connect(SPEAKER);
    expect(await refusedCode(url, { clientId: NEW_BOX, username: NEW_BOX, password: 'fresh-secret-1' })).toBe(
      BAD_CREDENTIALS,
    );
    const closed = { box: false, box2: false, speaker: false };
    box.on('close', () => (closed.box = true));
    box2.on('close', () => (closed.box2 = true));
    speaker.on('close', () => (closed.speaker = true));

    const result = t.broker.reloadRegistry(
      parseRegistry(JSON.stringify(await edited(t.registry.file, 'fresh-secret-1'))),
    );
    expect(result).toMatchObject({ added: [NEW_BOX], removed: [BOX], changed: [BOX2] });
    expect(result.disconnected.sort()).toEqual([BOX, BOX2].sort());
    await waitFor(() => closed.box && closed.box2, 10_000, 'the removed and the changed box disconnected');

    // removed: refused; changed: the old password refused although it was verified (and cached) before
    expect(await refusedCode(url, { clientId: BOX, username: BOX, password: t.secrets[BOX] })).toBe(BAD_CREDENTIALS);
    expect(await refusedCode(url, { clientId: BOX2, username: BOX2, password: t.secrets[BOX2] })).toBe(BAD_CREDENTIALS);
    const box2Again = await t.connect(BOX2, { password: 'fresh-secret-1' });
    const added = await t.connect(NEW_BOX, { password: 'fresh-secret-1' });
    // the new device's rights come from the new registry: its own topics only
    await publishAcked(added, topicFor(NEW_BOX, 'rating'), '{}');
    expect(await subscribeGranted(added, [topicFor(NEW_BOX, 'ack'), topicFor(BOX2, 'ack')])).toEqual([1, 0x80]);
    // unchanged: still connected and served
    expect(closed.speaker).toBe(false);
    await publishAcked(speaker, topicFor(SPEAKER, 'state'), '{}');
    await box2Again.endAsync(true);
  });

  it('SIGHUP re-reads the registry file of a broker process; an invalid file is refused and the running registry kept', async () => {
    const dir = tempDir('tt-reload-');
    const demo = await demoRegistry({ cost: CHEAP });
    const registryPath = join(dir, 'registry.yaml');
    writeFileSync(registryPath, demo.yaml);
    const port = await freePort();
    writeFileSync(
      join(dir, 'broker.yaml'),
      stringify({ host: '127.0.0.1', port, registryPath, statsIntervalMs: 1000 }),
    );
    const proc = new ServiceProcess(
      'broker',
      ['broker/main.ts', '--config', join(dir, 'broker.yaml')],
      /broker listening/,
    );
    await proc.start();
    try {
      const url = `mqtt://127.0.0.1:${port}`;
      const as = (id: string, password: string) => ({ clientId: id, username: id, password });
      expect(await refusedCode(url, as(NEW_BOX, 'fresh-secret-2'))).toBe(BAD_CREDENTIALS);

      writeFileSync(registryPath, 'provinces: [not a registry');
      process.kill(proc.pid!, 'SIGHUP');
      await waitFor(() => proc.output.some((l) => l.includes('reload failed')), 10_000, 'the refusal logged');
      await expect(refusedCode(url, as(BOX, demo.secrets[BOX]!))).rejects.toThrow('connection was accepted'); // old registry kept

      writeFileSync(registryPath, stringify(await edited(demo.file, 'fresh-secret-2')));
      process.kill(proc.pid!, 'SIGHUP');
      await waitFor(() => proc.output.some((l) => l.includes('registry reloaded')), 10_000, 'the reload logged');
      expect(await refusedCode(url, as(BOX, demo.secrets[BOX]!))).toBe(BAD_CREDENTIALS);
      await expect(refusedCode(url, as(NEW_BOX, 'fresh-secret-2'))).rejects.toThrow('connection was accepted');
      expect(proc.output.some((l) => l.includes('"level":60') || l.includes('uncaught'))).toBe(false);
    } finally {
      await proc.stop();
    }
    expect(readFileSync(registryPath, 'utf8')).toContain(NEW_BOX);
  });
});
