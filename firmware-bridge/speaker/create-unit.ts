import { readFileSync } from 'node:fs';
import { systemClock } from '../../infra/clock.ts';
import { BridgeError } from '../errors.ts';
import type { UnitEnv } from '../unit.ts';
import { isEd25519PublicKey } from '../ed25519-key.ts';
import type { ResolvedSpeakerConfig, SpeakerConfig } from './config.ts';
import { AlsaPlayer } from './player-alsa.ts';
import { audioDurationMs, FakePlayer } from './player-fake.ts';
import type { AudioPlayer } from './player.ts';
import { SpeakerUnit } from './speaker-unit.ts';

/** the commune's key, inline or read from its file (checked like an inline key, reported under the file's path) */
function readPublicKey(config: SpeakerConfig): string {
  if (config.schedulePublicKey) return config.schedulePublicKey;
  const path = 'units.speaker.schedulePublicKeyFile';
  let text: string;
  try {
    text = readFileSync(config.schedulePublicKeyFile!, 'utf8').trim();
  } catch (err) {
    throw new BridgeError('BRIDGE_CONFIG_UNREADABLE', `${path}: ${(err as Error).message}`, [
      `${path}: ${(err as Error).message}`,
    ]);
  }
  if (!isEd25519PublicKey(text)) {
    const problem = `${path}: tệp không chứa khoá công khai Ed25519 (not an Ed25519 public key)`;
    throw new BridgeError('BRIDGE_CONFIG_INVALID', problem, [problem]);
  }
  return text;
}

function playerOf(config: SpeakerConfig): AudioPlayer {
  if (config.player.kind === 'alsa') return new AlsaPlayer(config.player);
  const { durationMs = 1_000, recordFile } = config.player;
  return new FakePlayer(systemClock, durationMs === 'audio' ? audioDurationMs : () => durationMs, recordFile);
}

/** The bridge's factory for units.speaker (unit-catalogue.ts loads this file only when the section is present). */
export function createSpeaker(parsed: SpeakerConfig, env: UnitEnv): SpeakerUnit {
  const config: ResolvedSpeakerConfig = { ...parsed, schedulePublicKey: readPublicKey(parsed) };
  return new SpeakerUnit({ config, relay: env.board.output(config.relayPin, 'relay'), player: playerOf(config) });
}
