import { ISSUER_CHANNELS } from '../devices/topics.ts';
import type { Area } from './area.ts';
import type { Delivery } from './store/deliveries.ts';
import type { Store } from './store/index.ts';
import { issuersOf, type IssuerDocDeps } from './schedule/issuer-docs.ts';
import type { CommuneRollup, HamletRollup, SpeakerRollup } from './api/broadcast.ts';

export type { CommuneRollup, HamletRollup, SpeakerRollup } from './api/broadcast.ts';
type Counts = CommuneRollup['counts'];

const zero = (): Counts => ({ played: 0, failed: 0, missed: 0 });
function add(c: Counts, d: Pick<Delivery, 'outcome'>): void {
  if (d.outcome === 'played') c.played++;
  else if (d.outcome === 'failed') c.failed++;
  else c.missed++;
}
function sum(list: Counts[]): Counts {
  return list.reduce(
    (a, b) => ({ played: a.played + b.played, failed: a.failed + b.failed, missed: a.missed + b.missed }),
    zero(),
  );
}

/**
 * The delivery view rolled up per level: per commune, per hamlet, per speaker — played / failed / missed
 * (skipped counts as missed), and the speakers that have not accepted the latest document of each issuer,
 * with when they were last heard of.
 */
export function rollup(
  communes: string[],
  logs: Delivery[],
  deps: IssuerDocDeps & { store: Store; area: Area },
): CommuneRollup[] {
  const bySpeaker = new Map<string, Counts>();
  for (const l of logs) {
    const c = bySpeaker.get(l.speaker) ?? zero();
    add(c, l);
    bySpeaker.set(l.speaker, c);
  }
  return communes.map((code) => {
    const units = issuersOf(code, deps);
    const hamlets = deps.area.hamlets(code).map((h): HamletRollup => {
      const speakers = deps.area
        .speakers(code)
        .filter((s) => s.hamlet === h.id)
        .map((s): SpeakerRollup => {
          const behind: SpeakerRollup['behind'] = [];
          for (const u of units) {
            const channel = ISSUER_CHANNELS[u.level];
            const row =
              channel === 'schedule' ? deps.store.speakers.get(s.id) : deps.store.speakerDocs.get(s.id, channel);
            const issued = row?.version ?? 0;
            const active = row?.status_active ?? 0;
            if (issued > active)
              behind.push({
                level: u.level,
                issued,
                active,
                status: row?.status ?? null,
                reason: row?.status_reason ?? null,
              });
          }
          const seen = deps.store.speakerDocs.seen(s.id);
          const lastLog = deps.store.deliveries.lastReceived(s.id);
          const lastSeen =
            [seen.lastSeen, lastLog]
              .filter((x): x is string => !!x)
              .sort()
              .at(-1) ?? null;
          return { id: s.id, counts: bySpeaker.get(s.id) ?? zero(), behind, lastSeen, stopped: seen.stopped };
        });
      return { id: h.id, name: h.name, counts: sum(speakers.map((s) => s.counts)), speakers };
    });
    return {
      code,
      name: deps.area.communeName(code),
      counts: sum(hamlets.map((h) => h.counts)),
      behind: hamlets.reduce((n, h) => n + h.speakers.filter((s) => s.behind.length > 0).length, 0),
      hamlets,
    };
  });
}
