import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { brokerPassword, loadConfig, parseConfig } from '../../firmware-bridge/config.ts';
import { tempDir } from '../harness/temp.ts';

const dir = tempDir('tt-cfg-');
const good = {
  deviceId: 'xa1-quay1-box',
  broker: { url: 'mqtt://127.0.0.1:1883', password: 'secret' },
  dataDir: '/var/lib/thanthien',
  io: { kind: 'firmata', port: '/dev/ttyACM0' },
  units: {
    ratingBox: { buttons: { 'rat-hai-long': 2, 'hai-long': 3, 'khong-hai-long': 5 }, leds: { ack: 13 }, buzzerPin: 8 },
  },
};

function codeAndProblems(fn: () => unknown): { code?: string; problems?: string[] } {
  try {
    fn();
  } catch (err) {
    return err as { code?: string; problems?: string[] };
  }
  throw new Error('expected an error');
}

describe('bridge config', () => {
  it('fills defaults and keeps the levels that have buttons, in the standard order', () => {
    const c = parseConfig(good);
    expect(c.heartbeatMs).toBe(60_000);
    expect(c.outbox).toMatchObject({ maxEntries: 100_000, inFlight: 50 });
    expect(c.units.ratingBox).toMatchObject({
      levels: ['rat-hai-long', 'hai-long', 'khong-hai-long'],
      lockoutMs: 3_000,
      debounceMs: 50,
    });
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('reports every problem of a garbage config with its path', () => {
    const err = codeAndProblems(() =>
      parseConfig({
        deviceId: 'XA1 box',
        broker: { url: 'http://x', password: 'a', passwordFile: '/p' },
        io: { kind: 'gpio' },
        units: {
          ratingBox: {
            buttons: { 'hai-long': 2 },
            levels: ['hai-long', 'binh-thuong'],
            leds: { ack: -1 },
            buzzerPin: 8,
          },
        },
      }),
    );
    expect(err.code).toBe('BRIDGE_CONFIG_INVALID');
    const paths = err.problems!.map((p) => p.split(':')[0]);
    expect(paths).toEqual(
      expect.arrayContaining(['deviceId', 'broker.url', 'dataDir', 'io.kind', 'units.ratingBox.leds.ack']),
    );
  });

  it('refuses a level without a button pin, and both/neither password forms', () => {
    const e1 = codeAndProblems(() =>
      parseConfig({ ...good, units: { ratingBox: { ...good.units.ratingBox, levels: ['hai-long', 'binh-thuong'] } } }),
    );
    expect(e1.problems).toEqual([expect.stringMatching(/^units\.ratingBox\.levels\.1:/)]);
    const e2 = codeAndProblems(() => parseConfig({ ...good, broker: { url: 'mqtt://h' } }));
    expect(e2.problems).toEqual([expect.stringMatching(/^broker\.password:/)]);
  });

  it('validates every unit section by its own schema and lists the problems of all of them at once', () => {
    const err = codeAndProblems(() =>
      parseConfig({
        ...good,
        units: {
          ...good.units,
          speaker: { commune: 'xa', hamlet: 'ap-1', relayPin: 7, consoleUrl: 'not a url' },
          cameras: { intervalS: 0, cameras: [{ id: 'cam-1', name: 'Camera 1', probe: { kind: 'ftp' } }] },
          update: { releaseKey: 'x'.repeat(44) },
        },
      }),
    );
    expect(err.code).toBe('BRIDGE_CONFIG_INVALID');
    const paths = err.problems!.map((p) => p.split(':')[0]);
    expect(paths).toEqual(
      expect.arrayContaining([
        'units.speaker.commune',
        'units.speaker.consoleUrl',
        'units.speaker.schedulePublicKey',
        'units.cameras.intervalS',
        'units.cameras.cameras.0.probe.kind',
        'units.update.releaseKey',
      ]),
    );
    expect(paths.some((p) => p.startsWith('units.ratingBox'))).toBe(false);
    // an unknown unit is refused too, not ignored
    expect(codeAndProblems(() => parseConfig({ ...good, units: { loudspeaker: {} } })).problems).toEqual([
      expect.stringMatching(/^units:/),
    ]);
  });

  it('accepts the documented example config', () => {
    const c = loadConfig(join(import.meta.dirname, '../../firmware-bridge/bridge.example.yaml'));
    expect(c.units.ratingBox?.levels).toHaveLength(4);
  });

  it('loads YAML from a file, reads the password from passwordFile, and codes unreadable files', async () => {
    await writeFile(join(dir, 'pw'), 'from-file\n');
    await writeFile(
      join(dir, 'bridge.yaml'),
      `deviceId: xa1-quay1-box\nbroker:\n  url: mqtts://broker.xa1:8883\n  passwordFile: ${join(dir, 'pw')}\ndataDir: /tmp/x\nio:\n  kind: fake\n`,
    );
    const c = loadConfig(join(dir, 'bridge.yaml'));
    expect(brokerPassword(c)).toBe('from-file');
    expect(codeAndProblems(() => loadConfig(join(dir, 'missing.yaml'))).code).toBe('BRIDGE_CONFIG_UNREADABLE');
    await writeFile(join(dir, 'bad.yaml'), 'deviceId: [unclosed');
    expect(codeAndProblems(() => loadConfig(join(dir, 'bad.yaml'))).code).toBe('BRIDGE_CONFIG_INVALID');
  });
});
