import { z } from 'zod';
import { DEFAULT_AUDIO_MAX_BYTES } from '../devices/contract/broadcast.ts';
import { CommuneCode } from '../devices/ids.ts';
import { FollowupConfig } from './followup/config.ts';
import {
  ConfigError,
  loadConfig as loadInfraConfig,
  parseConfig as parseInfraConfig,
  type ConfigOptions,
} from '../infra/config.ts';

export { ConfigError };

/** The console's configuration: validated once, every problem reported with its path, then frozen. */
export const ConsoleConfig = z.strictObject({
  /** database, commune keys and audio files live here */
  dataDir: z.string().min(1),
  registryPath: z.string().min(1),
  /** the communes this console serves (default: every commune of the registry) */
  communes: z.array(CommuneCode).optional(),
  http: z
    .strictObject({
      host: z.string().default('127.0.0.1'),
      port: z.number().int().min(0).max(65535).default(8080),
      /** Secure cookies need https; only a plain-http test or LAN setup turns this off */
      secureCookies: z.boolean().default(true),
      sessionHours: z
        .number()
        .positive()
        .max(24 * 30)
        .default(12),
      /** HTTPS: the server certificate and key (PEM files, e.g. from `deploy/tls.sh server`) */
      tls: z.strictObject({ cert: z.string().min(1), key: z.string().min(1) }).optional(),
      /**
       * connections waiting to be accepted: a province's speakers fetch an emergency's audio at once, and beyond
       * Node's default of 511 the kernel drops their SYNs and each retries only after 1, 3, 7, 15, 31 s
       * (the kernel caps it at net.core.somaxconn)
       */
      backlog: z.number().int().min(16).max(65_535).default(4096),
    })
    .prefault({}),
  mqtt: z.strictObject({
    url: z.string().min(1),
    /** the broker account with role 'console' */
    username: z.string().min(1),
    password: z.string().min(1),
    /** the commune's or province's CA (PEM) for mqtts:// */
    ca: z.string().min(1).optional(),
    publishTimeoutMs: z.number().int().positive().default(10_000),
  }),
  /** optional second source of speaker logs: the collector's broadcast_log measurement */
  influx: z
    .strictObject({ url: z.url(), database: z.string().min(1), pollMs: z.number().int().positive().default(15_000) })
    .optional(),
  /** follow-up cases of "Không hài lòng" ratings (console/followup/) */
  followup: FollowupConfig.prefault({}),
  schedule: z
    .strictObject({
      /** occurrences are expanded this far ahead; the console re-issues every `reissueHours` */
      horizonDays: z.number().int().min(1).max(60).default(14),
      reissueHours: z.number().positive().max(24).default(24),
      /** an occurrence later than start + validity is not played late */
      validityS: z.number().int().min(0).max(86_400).default(1800),
      emergencyValidityS: z.number().int().min(0).max(86_400).default(900),
      /** the longest from/to window of a recurring announcement */
      maxWindowDays: z.number().int().positive().default(366),
      /**
       * a stop's (or resume's) one area order goes out at once; every speaker's own documents, which carry the same
       * stop, follow this much later, so the broker and the speakers are not busy with thousands of documents while
       * the one order that silences them is on its way
       */
      areaLeadMs: z.number().int().min(0).max(60_000).default(2_000),
    })
    .prefault({}),
  audio: z
    .strictObject({
      maxBytes: z.number().int().positive().default(DEFAULT_AUDIO_MAX_BYTES),
      maxDurationS: z.number().positive().default(900),
      /** EBU R128 target every stored audio is normalized to (ffmpeg loudnorm) */
      loudness: z
        .strictObject({
          ffmpeg: z.string().default('/usr/bin/ffmpeg'),
          integratedLufs: z.number().min(-40).max(-5).default(-16),
          truePeakDb: z.number().min(-9).max(0).default(-1.5),
          lra: z.number().min(1).max(20).default(11),
          bitrateKbps: z.number().int().min(32).max(320).default(64),
          timeoutMs: z.number().int().positive().default(120_000),
        })
        .prefault({}),
    })
    .prefault({}),
  /** device provisioning by one-time code (console/provisioning/); absent: those routes answer 503 */
  provisioning: z
    .strictObject({
      /** the broker URL the Pis are told to use */
      brokerUrl: z.string().regex(/^(mqtts?|tcp|tls):\/\/.+/),
      /** the CA (PEM) that signed the broker's certificate, handed to each Pi */
      caFile: z.string().min(1).optional(),
      codeTtlHours: z
        .number()
        .positive()
        .max(24 * 14)
        .default(72),
      /** failed claims allowed per source address, and in total, per window */
      claimFailuresPerSource: z.number().int().positive().default(5),
      claimFailuresTotal: z.number().int().positive().default(50),
      claimWindowMin: z.number().positive().default(15),
    })
    .optional(),
  /** staged rollouts of signed releases (console/updates/): the province's release public key (base64 SPKI DER or PEM) */
  updates: z.strictObject({ releaseKey: z.string().min(40) }).optional(),
  /** live broadcasts: the icecast2 server the console feeds and speakers listen to (absent: no live) */
  live: z
    .strictObject({
      ffmpeg: z.string().default('/usr/bin/ffmpeg'),
      icecastUrl: z.url(),
      sourcePassword: z.string().min(8),
      /** the same server as speakers reach it (default: icecastUrl) */
      listenUrl: z.url().optional(),
      /** quiet hours are the commune's sound policy (console/policy.ts), as for every announcement */
      maxMinutes: z.number().int().min(1).max(240).default(60),
    })
    .optional(),
  tts: z
    .strictObject({
      engine: z.literal('espeak-ng').default('espeak-ng'),
      bin: z.string().default('/usr/bin/espeak-ng'),
      voice: z.string().default('vi'),
      /** words per minute; espeak's default 175 is fast for outdoor speakers */
      speed: z.number().int().min(80).max(400).default(140),
      maxChars: z.number().int().positive().default(5000),
    })
    .prefault({}),
});
export type ConsoleConfig = z.infer<typeof ConsoleConfig>;

/** a console config that cannot be used: ConfigError (CONFIG_INVALID / CONFIG_UNREADABLE), every problem listed */
const CONFIG: ConfigOptions = { what: 'cấu hình console' };

export function parseConfig(raw: unknown, source = 'console config'): Readonly<ConsoleConfig> {
  return parseInfraConfig(ConsoleConfig, raw, source, CONFIG);
}

export function loadConfig(path: string): Readonly<ConsoleConfig> {
  return loadInfraConfig(ConsoleConfig, path, CONFIG);
}
