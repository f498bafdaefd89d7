import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { signSchedule } from '../../devices/schedule-signature.ts';
import { freePort } from '../../infra/ports.ts';
import { AudioCache } from '../../firmware-bridge/speaker/audio-cache.ts';
import { parseUnitSection } from '../../firmware-bridge/unit-sections.ts';

const parseSpeakerConfig = (raw: unknown) => parseUnitSection('speaker', raw);
import { Ledger } from '../../firmware-bridge/speaker/ledger.ts';
import { cappedVolume, inPeriod, isQuiet } from '../../firmware-bridge/speaker/periods.ts';
import { vnMinuteOfDay } from '../../devices/time/vietnam.ts';
import { AlsaPlayer } from '../../firmware-bridge/speaker/player-alsa.ts';
import { PlayerError } from '../../firmware-bridge/speaker/player.ts';
import { ScheduleStore } from '../../firmware-bridge/speaker/schedule-store.ts';
import { tempDir } from '../harness/temp.ts';
import { AudioServer, COMMUNE, HAMLET, KEYS, audioBytes, scheduleDoc } from './helpers/fixtures.ts';

const at = (vn: string) => Date.parse(`2026-11-25T${vn}:00+07:00`);

describe('periods in Vietnam time', () => {
  it('reads Vietnam time from UTC (UTC+7)', () => {
    expect(vnMinuteOfDay(Date.parse('2026-11-25T17:30:00Z'))).toBe(30); // 00:30 next day
  });
  it('a period past midnight wraps', () => {
    const night = { from: '22:00', to: '05:00' };
    expect([at('21:59'), at('22:00'), at('04:59'), at('05:00')].map((t) => inPeriod(night, t))).toEqual([
      false,
      true,
      true,
      false,
    ]);
  });
  it('quiet hours exempt emergencies; the strictest cap wins', () => {
    const quiet = { periods: [{ from: '22:00', to: '05:00' }], exempt: ['emergency' as const] };
    expect(isQuiet(quiet, 'priority', at('23:00'))).toBe(true);
    expect(isQuiet(quiet, 'emergency', at('23:00'))).toBe(false);
    const caps = [
      { from: '11:00', to: '14:00', max: 50 },
      { from: '12:00', to: '13:00', max: 30 },
    ];
    expect([at('10:00'), at('11:30'), at('12:30')].map((t) => cappedVolume(caps, 90, t))).toEqual([90, 50, 30]);
  });
});

describe('speaker config', () => {
  const base = {
    commune: COMMUNE,
    hamlet: HAMLET,
    schedulePublicKey: KEYS.publicKey,
    consoleUrl: 'http://console.local:8080',
    relayPin: 7,
  };
  it('fills defaults', () => {
    expect(parseSpeakerConfig(base)).toMatchObject({
      warmupMs: 2_000,
      player: { kind: 'alsa', device: 'default' },
      quietHours: { periods: [], exempt: ['emergency'] },
    });
  });
  it('accepts the registry form of the key (base64 SPKI DER) and refuses a key that is not Ed25519', () => {
    const der = createPublicKey(KEYS.publicKey).export({ type: 'spki', format: 'der' }).toString('base64');
    expect(parseSpeakerConfig({ ...base, schedulePublicKey: der }).schedulePublicKey).toBe(der);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 })
      .publicKey.export({ type: 'spki', format: 'pem' })
      .toString();
    expect(() => parseSpeakerConfig({ ...base, schedulePublicKey: rsa })).toThrow(
      expect.objectContaining({ code: 'BRIDGE_CONFIG_INVALID' }),
    );
    expect(() => parseSpeakerConfig({ ...base, schedulePublicKey: undefined })).toThrow(
      expect.objectContaining({ code: 'BRIDGE_CONFIG_INVALID' }),
    );
  });

  it('reports every problem with its path under units.speaker', () => {
    let err: { code?: string; problems?: string[] } = {};
    try {
      parseSpeakerConfig({
        ...base,
        commune: 'xa',
        quietHours: { periods: [{ from: '25:00', to: '05:00' }] },
        warmupMs: -1,
      });
    } catch (e) {
      err = e as typeof err;
    }
    expect(err.code).toBe('BRIDGE_CONFIG_INVALID');
    const paths = err.problems!.map((p) => p.split(':')[0]);
    expect(paths).toEqual(
      expect.arrayContaining([
        'units.speaker.commune',
        'units.speaker.quietHours.periods.0.from',
        'units.speaker.warmupMs',
      ]),
    );
  });
});

describe('audio cache', () => {
  const dir = tempDir();
  const server = new AudioServer();
  afterAll(() => server.stop());

  it('fetches by hash, verifies, and refuses oversize or mismatching bytes', async () => {
    await server.start();
    const cache = new AudioCache({ dir: join(dir, 'a'), consoleUrl: server.url, maxBytes: 5_000, timeoutMs: 10_000 });
    const ok = server.add(audioBytes('x'));
    expect(await cache.ensure(ok)).toMatchObject({ ok: true });
    const big = server.add(Buffer.alloc(6_000, 1));
    expect(await cache.ensure(big)).toMatchObject({ ok: false, error: 'audio-too-large' });
    // the console claims fewer bytes than it sends: the download stops at the claim
    const liar = server.add(audioBytes('liar'));
    server.files.set(liar.sha256, Buffer.concat([audioBytes('liar'), Buffer.alloc(3_000)]));
    expect(await cache.ensure(liar)).toMatchObject({ ok: false, error: 'audio-too-large' });
    const evil = server.add(audioBytes('y'));
    server.files.set(evil.sha256, audioBytes('z'));
    expect(await cache.ensure(evil)).toMatchObject({ ok: false, error: 'audio-hash-mismatch' });
    // a cached file corrupted on the card is detected and removed before it could be played
    writeFileSync(cache.fileOf(ok), 'garbage');
    expect(cache.verified(ok)).toMatchObject({ ok: false, error: 'audio-hash-mismatch' });
    expect(cache.verified(ok)).toMatchObject({ ok: false, error: 'audio-missing' });
  });

  it('gives up on a console that never answers', async () => {
    const port = await freePort();
    const hang = createServer(() => {});
    await new Promise<void>((r) => hang.listen(port, '127.0.0.1', () => r()));
    const cache = new AudioCache({
      dir: join(dir, 'b'),
      consoleUrl: `http://127.0.0.1:${port}`,
      maxBytes: 5_000,
      timeoutMs: 300,
    });
    const r = await cache.ensure({
      sha256: 'a'.repeat(64),
      path: `/audio/${'a'.repeat(64)}`,
      bytes: 10,
      durationS: 1,
      mime: 'audio/wav',
    });
    hang.closeAllConnections();
    hang.close();
    expect(r).toMatchObject({ ok: false, error: 'audio-fetch-failed' });
  });
});

describe('files on the SD card', () => {
  const dir = tempDir();
  const target = { speaker: 'loa-1', hamlet: HAMLET, commune: COMMUNE };

  it('a schedule edited on disk is refused on boot (re-verified)', async () => {
    const store = new ScheduleStore(dir);
    await store.save(signSchedule(scheduleDoc('loa-1', 4, []), KEYS.privateKey));
    expect(store.load(KEYS.publicKey, target)?.doc.version).toBe(4);
    const file = join(dir, 'schedule.json');
    writeFileSync(file, readFileSync(file, 'utf8').replace('"version\\":4', '"version\\":5'));
    expect(store.load(KEYS.publicKey, target)).toBeNull();
  });

  it('a corrupt ledger starts empty instead of crashing', async () => {
    writeFileSync(join(dir, 'ledger.json'), '{"lastAliveAt":');
    const ledger = new Ledger(dir);
    expect(ledger.previousAliveAt).toBeNull();
    ledger.alive(1_000);
    await ledger.flushed();
    expect(new Ledger(dir).previousAliveAt).toBe(1_000);
  });
});

describe('ALSA player adapter', () => {
  const dir = tempDir();
  const fakeBin = (name: string, exit: number) => {
    const path = join(dir, name);
    writeFileSync(path, `#!/bin/sh\necho "$@" > ${path}.args\necho "device busy" >&2\nexit ${exit}\n`);
    chmodSync(path, 0o755);
    return path;
  };

  it('plays MP3 through mpg123 with the volume as gain, WAV through aplay', async () => {
    const player = new AlsaPlayer({ aplay: fakeBin('aplay', 0), mpg123: fakeBin('mpg123', 0), device: 'plughw:1,0' });
    await player.play({ file: '/x.mp3', mime: 'audio/mpeg', volume: 50 }).done;
    await player.play({ file: '/x.wav', mime: 'audio/wav', volume: 50 }).done;
    expect(readFileSync(join(dir, 'mpg123.args'), 'utf8').trim()).toBe('-q -o alsa -a plughw:1,0 -f 16384 /x.mp3');
    expect(readFileSync(join(dir, 'aplay.args'), 'utf8').trim()).toBe('-q -D plughw:1,0 /x.wav');
  });

  it('stop() ends a playing child and resolves (a preemption is not a player error)', async () => {
    const path = join(dir, 'aplay-long');
    writeFileSync(path, '#!/bin/sh\nexec sleep 30\n');
    chmodSync(path, 0o755);
    const playback = new AlsaPlayer({ aplay: path, mpg123: path, device: 'default' }).play({
      file: '/x.wav',
      mime: 'audio/wav',
      volume: 50,
    });
    await new Promise((r) => setTimeout(r, 200));
    playback.stop();
    await expect(playback.done).resolves.toBeUndefined();
  });

  it('a failing or missing player rejects with a code', async () => {
    const failing = new AlsaPlayer({ aplay: fakeBin('aplay-bad', 1), mpg123: join(dir, 'nope'), device: 'default' });
    const e1 = await failing.play({ file: '/x.wav', mime: 'audio/wav', volume: 50 }).done.catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(PlayerError);
    expect((e1 as PlayerError).code).toBe('player-error');
    const e2 = await failing.play({ file: '/x.mp3', mime: 'audio/mpeg', volume: 50 }).done.catch((e: unknown) => e);
    expect((e2 as PlayerError).code).toBe('player-missing');
  });
});
