import { readFileSync } from 'node:fs';
import { systemClock } from '../../infra/clock.ts';
import type { UnitEnv } from '../bridge.ts';
import { BridgeError } from '../errors.ts';
import { SpeakerConfig, type ResolvedSpeakerConfig } from './config.ts';
import { AlsaPlayer } from './player-alsa.ts';
import { audioDurationMs, FakePlayer } from './player-fake.ts';
import type { AudioPlayer } from './player.ts';
import { SpeakerUnit } from './speaker-unit.ts';

/** Validate units.speaker, reporting every problem with its full path (BRIDGE_CONFIG_INVALID). */
export function parseSpeakerConfig(section: unknown): SpeakerConfig {
  const result = SpeakerConfig.safeParse(section);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `units.speaker${i.path.map((p) => `.${String(p)}`).join('')}: ${i.message}`);
  throw new BridgeError('BRIDGE_CONFIG_INVALID', `cấu hình loa không hợp lệ:\n  - ${problems.join('\n  - ')}`, problems);
}

function readPublicKey(config: SpeakerConfig): string {
  if (config.schedulePublicKey) return config.schedulePublicKey;
  let text: string;
  try {
    text = readFileSync(config.schedulePublicKeyFile!, 'utf8');
  } catch (err) {
    throw new BridgeError('BRIDGE_CONFIG_UNREADABLE', `units.speaker.schedulePublicKeyFile: ${(err as Error).message}`);
  }
  // the same check as an inline key, reported under the file's path
  return parseSpeakerConfig({ ...config, schedulePublicKeyFile: undefined, schedulePublicKey: text }).schedulePublicKey!;
}

function playerOf(config: SpeakerConfig): AudioPlayer {
  if (config.player.kind === 'alsa') return new AlsaPlayer(config.player);
  const { durationMs = 1_000, recordFile } = config.player;
  return new FakePlayer(systemClock, durationMs === 'audio' ? audioDurationMs : () => durationMs, recordFile);
}

/** The bridge's entry point for the loudspeaker (optional-units.ts loads it only when units.speaker is set). */
export function createUnit(section: unknown, env: UnitEnv): SpeakerUnit {
  const parsed = parseSpeakerConfig(section);
  const config: ResolvedSpeakerConfig = { ...parsed, schedulePublicKey: readPublicKey(parsed) };
  return new SpeakerUnit({ config, relay: env.board.output(config.relayPin, 'relay'), player: playerOf(config) });
}
