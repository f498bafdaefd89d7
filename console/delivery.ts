import type { HamletDelivery } from './api/announcement.ts';
import type { Area } from './area.ts';
import { verdictLabel } from './speaker-labels.ts';
import { DELIVERY_LABELS, type Announcement, type DeliveryState } from './model.ts';
import type { Delivery } from './store/deliveries.ts';
import type { SpeakerRow } from './store/speakers.ts';

/**
 * What each hamlet's speakers actually did with an announcement. The state is that of the latest
 * occurrence reported: played → đã phát, failed → lỗi, missed or skipped → bỏ lỡ, nothing yet → chờ phát.
 */
export function hamletDeliveries(
  a: Announcement,
  area: Area,
  logs: Delivery[],
  speakers: (id: string) => SpeakerRow | undefined,
  communes: string[] = [a.commune],
): HamletDelivery[] {
  const communeOf = new Map(communes.flatMap((c) => area.hamlets(c).map((h) => [h.id, c] as const)));
  const all = communes.flatMap((c) => area.hamlets(c));
  const targets = a.hamlets === 'all' ? all : all.filter((h) => (a.hamlets as string[]).includes(h.id));
  return targets.map((h) => {
    const mine = logs.filter((l) => l.hamlet === h.id);
    const counts = {
      played: mine.filter((l) => l.outcome === 'played').length,
      failed: mine.filter((l) => l.outcome === 'failed').length,
      missed: mine.filter((l) => l.outcome === 'missed' || l.outcome === 'skipped').length,
      timesSpoken: 0,
    };
    counts.timesSpoken = counts.played * a.repeats;
    const hasSpeaker = area.speakers(a.commune).some((s) => s.hamlet === h.id);
    // a hamlet without a speaker (only possible with 'all') will never play: say so instead of "chờ phát"
    const state = !hasSpeaker && mine.length === 0 ? 'unreachable' : latestState(mine);
    return {
      hamlet: h.id,
      name: h.name,
      state,
      label: DELIVERY_LABELS[state],
      counts,
      speakers: area
        .speakers(communeOf.get(h.id) ?? a.commune)
        .filter((s) => s.hamlet === h.id)
        .map((s) => {
          const row = speakers(s.id);
          const schedule = row
            ? { version: row.version, status: row.status, active: row.status_active, reason: row.status_reason }
            : null;
          const label = `${s.id} (lịch số ${schedule?.version ?? 0}, ${verdictLabel(schedule?.status, schedule?.reason)})`;
          return { id: s.id, schedule, label };
        }),
      logs: mine,
    };
  });
}

function latestState(logs: Delivery[]): DeliveryState {
  if (logs.length === 0) return 'pending';
  // biome-ignore lint/complexity/useMathMinMax: occurrences are ISO timestamps, compared as text
  const latestOccurrence = logs.reduce((m, l) => (l.occurrence > m ? l.occurrence : m), '');
  const latest = logs.filter((l) => l.occurrence === latestOccurrence);
  // several speakers in one hamlet: played if any played, else failed if any failed, else missed
  if (latest.some((l) => l.outcome === 'played')) return 'played';
  if (latest.some((l) => l.outcome === 'failed')) return 'failed';
  return 'missed';
}
