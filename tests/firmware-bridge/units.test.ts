import { execFile, spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { startBridge } from '../../firmware-bridge/bridge.ts';
import { CameraProbeUnit } from '../../firmware-bridge/cameras/camera-probe.ts';
import { FakeTimeSource } from '../../firmware-bridge/clock/sources.ts';
import { TrustedClock } from '../../firmware-bridge/clock/trusted-time.ts';
import { parseConfig } from '../../firmware-bridge/config.ts';
import { FakeIO } from '../../firmware-bridge/io/fake-io.ts';
import { openJohnnyFiveBoard } from '../../firmware-bridge/io/johnny-five.ts';
import { Outbox } from '../../firmware-bridge/outbox/outbox.ts';
import { RatingBoxUnit } from '../../firmware-bridge/rating-box/unit.ts';
import { SpeakerUnit } from '../../firmware-bridge/speaker/speaker-unit.ts';
import { UNIT_FACTORIES } from '../../firmware-bridge/unit-catalogue.ts';
import { UNIT_SECTIONS } from '../../firmware-bridge/unit-sections.ts';
import type { BridgeUnit } from '../../firmware-bridge/unit.ts';
import { systemClock } from '../../infra/clock.ts';
import { EXIT } from '../../infra/service.ts';
import { silentLogger } from '../../infra/logger.ts';
import { tempDir } from '../harness/temp.ts';

const run = promisify(execFile);
const root = tempDir('tt-units-');
let n = 0;
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

const publicKey = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
const ratingBox = { buttons: { 'hai-long': 2, 'khong-hai-long': 3 }, leds: { ack: 13 }, buzzerPin: 8 };
const speaker = {
  commune: '90001',
  hamlet: 'xa1-ap1',
  schedulePublicKey: publicKey,
  relayPin: 7,
  consoleUrl: 'http://127.0.0.1:9',
  player: { kind: 'fake' },
};
const cameras = {
  cameras: [{ id: 'xa1-cam1', name: 'Camera quầy 1', probe: { kind: 'rtsp', host: '127.0.0.1', port: 9 } }],
};

function base(dataDir: string) {
  // nothing listens on port 1: the bridge starts offline, which is all these tests need
  return {
    deviceId: 'xa1-quay1-box',
    broker: { url: 'mqtt://127.0.0.1:1', password: 'pw' },
    dataDir,
    io: { kind: 'fake' },
    clock: { sources: [] },
  };
}

async function start(units: Record<string, unknown>, extra: BridgeUnit[] = []) {
  const dataDir = join(root, `bridge${n++}`);
  const config = parseConfig({ ...base(dataDir), units });
  const bridge = await startBridge({
    config,
    board: () => openJohnnyFiveBoard({ io: new FakeIO() }, 'test'),
    clock: systemClock,
    time: new TrustedClock({ clock: systemClock, sources: [new FakeTimeSource(true)] }),
    password: 'pw',
    log: silentLogger,
    bootId: 'boot-units-test',
    units: extra.map((u) => () => u),
  });
  cleanups.push(() => bridge.stop());
  return { bridge, dataDir };
}

describe('bridge units', () => {
  it('has one factory for every unit section of the config, and nothing else', () => {
    expect(Object.keys(UNIT_FACTORIES).sort()).toEqual(Object.keys(UNIT_SECTIONS).sort());
  });

  it('builds each configured unit through its factory, rating box first, and none that is not configured', async () => {
    const { bridge } = await start({ ratingBox, speaker, cameras });
    expect(bridge.units.map((u) => u.name)).toEqual(['rating-box', 'speaker', 'camera-probe']);
    expect(bridge.units[0]).toBeInstanceOf(RatingBoxUnit);
    expect(bridge.units[1]).toBeInstanceOf(SpeakerUnit);
    expect(bridge.units[2]).toBeInstanceOf(CameraProbeUnit);
    const { bridge: speakerOnly } = await start({ speaker });
    expect(speakerOnly.units.map((u) => u.name)).toEqual(['speaker']);
    expect(speakerOnly.heartbeat.build().presses).toBeUndefined();
  });

  it('refuses to start when a factory fails (an unreadable key file), listing it, and starts no unit', async () => {
    let started = 0;
    const probe: BridgeUnit = { name: 'probe', start: async () => void started++, stop: async () => undefined };
    const garbageKey = join(root, 'garbage.pem');
    await writeFile(garbageKey, 'not a key\n');
    const dataDir = join(root, `bridge${n}`);
    const err = await start(
      { ratingBox, speaker: { ...speaker, schedulePublicKey: undefined, schedulePublicKeyFile: garbageKey } },
      [probe],
    ).then(
      () => expect.unreachable('the bridge started'),
      (e: { code?: string; problems?: string[] }) => e,
    );
    expect(err.code).toBe('BRIDGE_CONFIG_INVALID');
    expect(err.problems).toEqual([expect.stringMatching(/^units\.speaker\.schedulePublicKeyFile: /)]);
    expect(started).toBe(0);
    // a key file that is not there at all: the same refusal, coded as unreadable
    const missing = await start({
      speaker: { ...speaker, schedulePublicKey: undefined, schedulePublicKeyFile: join(root, 'missing.pem') },
    }).catch((e: { code?: string }) => e);
    expect(missing).toMatchObject({
      code: 'BRIDGE_CONFIG_UNREADABLE',
      problems: [expect.stringMatching(/^units\.speaker\.schedulePublicKeyFile: /)],
    });
    // the outbox it had opened was closed again: the next start can open it
    const outbox = await Outbox.open(join(dataDir, 'outbox'), parseConfig(base(dataDir)).outbox, silentLogger);
    await outbox.close();
  });

  it('main.ts refuses to start with a bad speaker section and a bad camera section, listing both', async () => {
    const dataDir = join(root, 'refused');
    const file = join(root, 'bad.json');
    const bad = {
      ...base(dataDir),
      units: {
        ratingBox,
        speaker: { ...speaker, relayPin: -1, warmupMs: 'soon' },
        cameras: { cameras: [{ id: 'xa1-cam1', name: 'c', probe: { kind: 'ftp' } }] },
      },
    };
    await writeFile(file, JSON.stringify(bad));
    const main = join(import.meta.dirname, '../../firmware-bridge/main.ts');
    const result = await run(process.execPath, ['--import', 'tsx', main, '--config', file], {
      env: { ...process.env, LOG_LEVEL: 'info' },
      timeout: 60_000,
    }).then(
      () => expect.unreachable('the bridge started'),
      (e: { code?: number; stdout: string; stderr: string }) => e,
    );
    expect(result.code).toBe(EXIT.FAILED);
    expect(result.stderr).toMatch(/^\s+- units\.speaker\.relayPin: /m);
    expect(result.stderr).toMatch(/^\s+- units\.speaker\.warmupMs: /m);
    expect(result.stderr).toMatch(/^\s+- units\.cameras\.cameras\.0\.probe\.kind: /m);
    expect(result.stdout + result.stderr).not.toMatch(/bridge started/);
    expect(existsSync(dataDir)).toBe(false); // nothing was opened
  }, 90_000);

  it("loads a unit's code only when its section is configured: a rating box loads no speaker, camera or update code", async () => {
    const loads = await modulesLoadedBy({ ratingBox });
    const bridgeFiles = loads
      .filter((u) => u.includes('/firmware-bridge/'))
      .map((u) => u.slice(u.indexOf('/firmware-bridge/') + 17));
    expect(bridgeFiles).toContain('rating-box/unit.ts');
    // each unit's schema is part of the config; its code is not
    expect(bridgeFiles.filter((f) => /^(speaker|cameras|update)\//.test(f)).sort()).toEqual([
      'cameras/config.ts',
      'speaker/config.ts',
      'update/config.ts',
    ]);
    const speakerLoads = await modulesLoadedBy({ speaker });
    expect(speakerLoads.some((u) => u.endsWith('/firmware-bridge/speaker/speaker-unit.ts'))).toBe(true);
    expect(speakerLoads.some((u) => u.endsWith('/firmware-bridge/rating-box/unit.ts'))).toBe(false);
  }, 120_000);
});

/** the module URLs main.ts loads until "bridge started" with these units (offline: nothing listens on port 1) */
async function modulesLoadedBy(units: Record<string, unknown>): Promise<string[]> {
  const file = join(root, `config${n}.json`);
  const loadsFile = join(root, `loads${n++}.txt`);
  await writeFile(file, JSON.stringify({ ...base(join(root, `data${n}`)), units }));
  const record = join(import.meta.dirname, 'fixtures/record-loads.mjs');
  const main = join(import.meta.dirname, '../../firmware-bridge/main.ts');
  const proc = spawn(process.execPath, ['--import', 'tsx', '--import', record, main, '--config', file], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, LOG_LEVEL: 'info', TT_LOADS_FILE: loadsFile },
  });
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  cleanups.push(async () => (proc.kill('SIGKILL'), await exited));
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: proc.stdout! }).on('line', (line) => /bridge started/.test(line) && resolve());
    void exited.then(() => reject(new Error('the bridge exited before it started')));
  });
  proc.kill('SIGTERM');
  await exited;
  return readFileSync(loadsFile, 'utf8').trim().split('\n');
}
