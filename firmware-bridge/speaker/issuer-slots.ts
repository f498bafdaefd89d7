import type { BroadcastOutcome, Issuer, IssuerLevel } from '../../devices/contract/broadcast.ts';
import type { ScheduleRefusal } from '../../devices/schedule-signature.ts';
import { ISSUER_CHANNELS, type IssuerChannel } from '../../devices/topics.ts';
import type { ResolvedSpeakerConfig } from './config.ts';
import { type ActiveSchedule, ScheduleStore } from './schedule-store.ts';

/** One issuer this unit trusts: its key, its topic, its own document on disk. */
export type IssuerSlot = {
  level: IssuerLevel;
  channel: IssuerChannel;
  issuer: Issuer;
  key: string;
  store: ScheduleStore;
  active: ActiveSchedule | null;
};

/** the commune's slot first, then one per upper level the configuration trusts */
export function issuerSlots(config: ResolvedSpeakerConfig, dataDir: string): IssuerSlot[] {
  return [
    {
      level: 'commune',
      channel: ISSUER_CHANNELS.commune,
      issuer: { level: 'commune', code: config.commune },
      key: config.schedulePublicKey,
      store: new ScheduleStore(dataDir),
      active: null,
    },
    ...config.upperKeys.map(
      (k): IssuerSlot => ({
        level: k.level,
        channel: ISSUER_CHANNELS[k.level],
        issuer: { level: k.level, code: k.code },
        key: k.publicKey,
        store: new ScheduleStore(dataDir, `${ISSUER_CHANNELS[k.level]}.json`),
        active: null,
      }),
    ),
  ];
}

/** Counters a dashboard can see (every refusal and drop is counted). */
export type SpeakerStats = {
  schedules: { accepted: number; unchanged: number; refused: Partial<Record<ScheduleRefusal, number>> };
  /** the orders of the area stop topics */
  areaStops: { accepted: number; refused: Partial<Record<ScheduleRefusal, number>> };
  /** the orders of the area emergency topics */
  areaEmergencies: { accepted: number; refused: Partial<Record<ScheduleRefusal, number>> };
  /** occurrences cut or dropped by a stop or a withdrawal */
  cuts: number;
  logs: Record<BroadcastOutcome, number>;
  logsLost: number;
  audioPrefetchFailures: number;
  diskErrors: number;
};

export function freshStats(): SpeakerStats {
  return {
    schedules: { accepted: 0, unchanged: 0, refused: {} },
    areaStops: { accepted: 0, refused: {} },
    areaEmergencies: { accepted: 0, refused: {} },
    cuts: 0,
    logs: { played: 0, failed: 0, skipped: 0, missed: 0 },
    logsLost: 0,
    audioPrefetchFailures: 0,
    diskErrors: 0,
  };
}
