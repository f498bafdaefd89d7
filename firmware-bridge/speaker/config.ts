import { z } from 'zod';
import { CommuneCode, Id } from '../../devices/ids.ts';
import { DEFAULT_AUDIO_MAX_BYTES, Priority } from '../../devices/contract/broadcast.ts';
import { isEd25519PublicKey } from '../ed25519-key.ts';

/** "HH:MM" in Vietnam time (Asia/Ho_Chi_Minh, UTC+7, no DST). */
const HourMinute = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'giờ phải có dạng HH:MM (format HH:MM, Vietnam time)');

/** A daily period [from, to) in Vietnam time; from > to wraps past midnight (22:00–05:00). */
const Period = z.strictObject({ from: HourMinute, to: HourMinute });

const PlayerConfig = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('alsa'),
    aplay: z.string().default('aplay'),
    mpg123: z.string().default('mpg123'),
    /** ALSA device, e.g. "default" or "plughw:1,0" */
    device: z.string().default('default'),
    /** ALSA mixer control set to the volume before a WAV plays (aplay has no volume of its own), e.g. "PCM" */
    mixerControl: z.string().optional(),
  }),
  z.strictObject({
    kind: z.literal('fake'),
    /** how long a fake play lasts: a fixed time, or as long as the WAV file says (1 s for other audio); default 1 s */
    durationMs: z.union([z.number().int().positive(), z.literal('audio')]).optional(),
    /** append one JSON line per play and per end (played through or cut) to this file, so a test outside the process sees them */
    recordFile: z.string().min(1).optional(),
  }),
]);

/** units.speaker of the bridge config. Every field has a safe default except the identity and key. */
export const SpeakerConfig = z
  .strictObject({
    commune: CommuneCode,
    hamlet: Id,
    /** the commune's Ed25519 public key the console signs schedules with (PEM or the registry's base64 SPKI DER), inline or as a file (create-unit.ts reads it) */
    schedulePublicKey: z
      .string()
      .refine(isEd25519PublicKey, {
        message: 'cần khoá công khai Ed25519: PEM hoặc base64 SPKI DER (Ed25519 public key, PEM or base64 SPKI DER)',
      })
      .optional(),
    schedulePublicKeyFile: z.string().min(1).optional(),
    /**
     * The keys of the units above the commune in the registry (its province; its district where the registry
     * has one), each with its code: the speaker trusts exactly these and its commune's key, each only on its
     * own topic (tt/v1/<id>/schedule-province, schedule-district).
     */
    upperKeys: z
      .array(
        z.strictObject({
          level: z.enum(['district', 'province']),
          code: z.string().regex(/^\d{2,3}$/),
          publicKey: z
            .string()
            .refine(isEd25519PublicKey, { message: 'cần khoá công khai Ed25519 (Ed25519 public key)' }),
        }),
      )
      .max(2)
      .refine((list) => new Set(list.map((k) => k.level)).size === list.length, {
        message: 'mỗi cấp một khoá (one key per level)',
      })
      .default([]),
    /** the GPIO pin of the amplifier relay (GpioBoard.output(pin, 'relay')) */
    relayPin: z.union([z.number().int().nonnegative(), z.string().min(1)]),
    /** the console base URL audio is fetched from (joined with AudioRef.path) */
    consoleUrl: z.url(),
    /** amplifier warm-up after the relay switches on, before the audio starts */
    warmupMs: z.number().int().min(0).max(30_000).default(2_000),
    /** relay stays on this long after the last audio, so back-to-back announcements skip a warm-up */
    relayHoldMs: z.number().int().min(0).max(60_000).default(1_000),
    player: PlayerConfig.default({ kind: 'alsa', aplay: 'aplay', mpg123: 'mpg123', device: 'default' }),
    quietHours: z
      .strictObject({
        periods: z.array(Period).max(10).default([]),
        /** priorities that still play in quiet hours */
        exempt: z.array(Priority).default(['emergency']),
      })
      .default({ periods: [], exempt: ['emergency'] }),
    /** the loudest volume (0–100) allowed in a period; the lowest matching cap wins */
    volumeCaps: z
      .array(Period.extend({ max: z.number().int().min(0).max(100) }))
      .max(24)
      .default([]),
    audio: z
      .strictObject({
        maxBytes: z.number().int().positive().default(DEFAULT_AUDIO_MAX_BYTES),
        fetchTimeoutMs: z.number().int().positive().default(60_000),
      })
      .default({ maxBytes: DEFAULT_AUDIO_MAX_BYTES, fetchTimeoutMs: 60_000 }),
    /** relays and live broadcasts (player-stream.ts) */
    stream: z
      .strictObject({
        ffmpeg: z.string().default('/usr/bin/ffmpeg'),
        /** the province Ed25519 public keys whose signed station list a relay must come from (PEM or base64 SPKI DER) */
        stationKeys: z
          .array(z.string().refine(isEd25519PublicKey, { message: 'cần khoá công khai Ed25519 (Ed25519 public key)' }))
          .max(10)
          .default([]),
        rate: z.number().int().min(8000).max(48_000).default(22_050),
        stallMs: z.number().int().min(500).max(60_000).default(4_000),
        retryMs: z.number().int().min(100).max(60_000).default(1_000),
      })
      .prefault({}),
    /** how often the "last alive" marker is saved (missed-occurrence detection after a power cut) */
    aliveEveryMs: z.number().int().min(1_000).max(600_000).default(30_000),
  })
  .refine((c) => (c.schedulePublicKey === undefined) !== (c.schedulePublicKeyFile === undefined), {
    message: 'cần đúng một trong schedulePublicKey / schedulePublicKeyFile (exactly one of them)',
    path: ['schedulePublicKey'],
  });
export type SpeakerConfig = z.infer<typeof SpeakerConfig>;
export type SpeakerConfigInput = z.input<typeof SpeakerConfig>;

/** The config with its key read (create-unit.ts resolves schedulePublicKeyFile). */
export type ResolvedSpeakerConfig = SpeakerConfig & { schedulePublicKey: string };
