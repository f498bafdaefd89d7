import type { AnnouncementSource } from '../model.ts';
import { fail } from '../errors.ts';
import type { StationService } from './stations.ts';

/**
 * A relay announcement is a normal announcement (hamlets, schedule, approval, signature) whose body has
 * `relay: { station, durationMin }`; its text is the spoken introduction (a default one when empty).
 */
export function relayDraft(
  body: unknown,
  stations: StationService,
): { body: unknown; source: AnnouncementSource | undefined } {
  if (
    typeof body !== 'object' ||
    body === null ||
    Array.isArray(body) ||
    !('relay' in body) ||
    (body as { relay?: unknown }).relay == null
  ) {
    return { body, source: undefined };
  }
  const raw = body as Record<string, unknown>;
  const relay = raw.relay as Record<string, unknown>;
  if (typeof relay !== 'object') fail('RELAY_INVALID');
  const station = stations.usable(relay.station);
  const minutes = relay.durationMin;
  if (typeof minutes !== 'number' || !Number.isInteger(minutes) || minutes < 1 || minutes > 360)
    fail('RELAY_INVALID', 'Thời lượng tiếp sóng từ 1 đến 360 phút.');
  const text =
    typeof raw.text === 'string' && raw.text.trim()
      ? raw.text
      : `Sau đây, Đài truyền thanh xã tiếp sóng chương trình của ${station.name}.`;
  return {
    body: { ...raw, text, audio: undefined },
    source: {
      kind: 'relay',
      station: station.id,
      stationName: station.name,
      signed: station.signed,
      durationS: minutes * 60,
    },
  };
}
