import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseUnitSection } from '../../firmware-bridge/unit-sections.ts';

const parseSpeakerConfig = (raw: unknown) => parseUnitSection('speaker', raw);
import { audioDurationMs, FakePlayer, wavDurationMs } from '../../firmware-bridge/speaker/player-fake.ts';
import { FakeClock } from '../support/fake-clock.ts';
import { tempDir } from '../harness/temp.ts';
import { COMMUNE, HAMLET, KEYS } from './helpers/fixtures.ts';

/** a PCM WAV header (8 kHz, 16-bit mono) before `dataBytes` of samples; `declared` is what the data chunk says */
function wav(dataBytes: number, declared = dataBytes): Buffer {
  const b = Buffer.alloc(44 + dataBytes);
  b.write('RIFF', 0, 'ascii');
  b.writeUInt32LE(declared === 0xffffffff ? 0xffffffff : 36 + dataBytes, 4);
  b.write('WAVEfmt ', 8, 'ascii');
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20);
  b.writeUInt16LE(1, 22);
  b.writeUInt32LE(8000, 24);
  b.writeUInt32LE(16000, 28);
  b.writeUInt16LE(2, 32);
  b.writeUInt16LE(16, 34);
  b.write('data', 36, 'ascii');
  b.writeUInt32LE(declared, 40);
  return b;
}

/** The fake player that a bridge process runs in end-to-end tests: as long as the WAV lasts, each play and end on file. */
describe('fake player', () => {
  const dir = tempDir('tt-fake-player-');

  it('lasts as long as the WAV says, also when the data size is left open (streamed WAV); 1 s for other audio', () => {
    const file = join(dir, 'a.wav');
    writeFileSync(file, wav(16000 * 3));
    expect(wavDurationMs({ file, mime: 'audio/wav', volume: 50 })).toBe(3000);
    writeFileSync(file, wav(16000 * 2, 0xffffffff));
    expect(wavDurationMs({ file, mime: 'audio/wav', volume: 50 })).toBe(2000);
    writeFileSync(file, Buffer.from('not a wav at all, just bytes'));
    expect(wavDurationMs({ file, mime: 'audio/wav', volume: 50 })).toBe(1000);
    expect(wavDurationMs({ file, mime: 'audio/mpeg', volume: 50 })).toBe(1000);
  });

  it('an MP3 (what the console stores after loudness normalization) lasts its real length, read by ffprobe', () => {
    const file = join(dir, 'tone.mp3');
    const r = spawnSync('ffmpeg', [
      '-v',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      'sine=frequency=440:duration=4',
      '-ac',
      '1',
      '-codec:a',
      'libmp3lame',
      file,
    ]);
    expect(r.status).toBe(0);
    const ms = audioDurationMs({ file, mime: 'audio/mpeg', volume: 50 });
    expect(ms).toBeGreaterThan(3_900);
    expect(ms).toBeLessThan(4_200);
    writeFileSync(file, Buffer.from('not an mp3'));
    expect(audioDurationMs({ file, mime: 'audio/mpeg', volume: 50 })).toBe(1000);
  });

  it('records every play and its end (played through or cut) as JSON lines', async () => {
    const clock = new FakeClock(Date.parse('2026-12-01T00:00:00Z'));
    const record = join(dir, 'plays.jsonl');
    const player = new FakePlayer(clock, () => 5_000, record);
    const first = player.play({ file: '/a', mime: 'audio/wav', volume: 60 });
    clock.advance(5_000);
    await first.done;
    const second = player.play({ file: '/b', mime: 'audio/wav', volume: 100 });
    clock.advance(1_000);
    second.stop();
    await second.done;
    const lines = readFileSync(record, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.event, l.file, l.stopped, l.endedAt === null ? null : l.endedAt - l.startedAt])).toEqual(
      [
        ['play', '/a', false, null],
        ['end', '/a', false, 5_000],
        ['play', '/b', false, null],
        ['end', '/b', true, 1_000],
      ],
    );
  });

  it('config: durationMs is a positive number or "audio"; anything else is refused with its path', () => {
    const base = {
      commune: COMMUNE,
      hamlet: HAMLET,
      schedulePublicKey: KEYS.publicKey,
      relayPin: 7,
      consoleUrl: 'http://127.0.0.1:1',
    };
    expect(
      parseSpeakerConfig({ ...base, player: { kind: 'fake', durationMs: 'audio', recordFile: '/tmp/x' } }).player,
    ).toEqual({ kind: 'fake', durationMs: 'audio', recordFile: '/tmp/x' });
    expect(() => parseSpeakerConfig({ ...base, player: { kind: 'fake', durationMs: -1 } })).toThrow(
      /units\.speaker\.player/,
    );
  });
});
