import type { Issuer, ScheduleItem, SoundPolicy, StopOrder } from '../../devices/contract/broadcast.ts';
import { DEFAULT_SOUND_POLICY } from '../../devices/contract/broadcast.ts';
import { ISSUER_CHANNELS, type IssuerChannel } from '../../devices/topics.ts';
import type { Area } from '../area.ts';
import type { CommuneKey } from '../keys.ts';
import type { Unit } from '../levels.ts';
import type { PolicyService } from '../policy.ts';
import type { Store } from '../store/index.ts';
import type { Stop } from '../store/broadcast.ts';
import { buildItems, type BuildOptions } from './build.ts';

/**
 * How several issuers' schedules reach one speaker: one signed, retained, versioned document per issuing
 * unit per speaker, each on its own topic (ISSUER_CHANNELS) and signed with that unit's own key; the speaker
 * merges them. So a commune's key can never replace, edit or drop an item of its province, and a stop or a
 * policy travels with the schedule of the unit that set it.
 */
export type IssuerDoc = {
  channel: IssuerChannel;
  issuer: Issuer;
  key: CommuneKey;
  items: ScheduleItem[];
  policy: SoundPolicy;
  stop?: StopOrder;
};

export type IssuerDocDeps = { store: Store; area: Area; keys: Map<string, CommuneKey>; policy?: PolicyService };

/** the stop in force for a commune from a unit: one without end wins, else the one that lasts longest */
export function stopFor(stops: Stop[], unit: Unit, commune: string): StopOrder | undefined {
  const mine = stops.filter(
    (s) => s.level === unit.level && s.unit === unit.code && (s.targets === 'all' || s.targets.includes(commune)),
  );
  if (mine.length === 0) return undefined;
  const best = mine.reduce((a, b) => (a.until === null ? a : b.until === null ? b : a.until >= b.until ? a : b));
  return { id: best.id, at: best.at, until: best.until };
}

/** the units whose documents a commune's speakers receive: the commune, then each unit above it the console holds a key for */
export function issuersOf(commune: string, deps: IssuerDocDeps): Unit[] {
  const units: Unit[] = [{ level: 'commune', code: commune }];
  const district = deps.area.districtOf(commune);
  if (district && deps.keys.has(district.code)) units.push({ level: 'district', code: district.code });
  const province = deps.area.provinceOf(commune);
  if (province && deps.keys.has(province.code)) units.push({ level: 'province', code: province.code });
  return units;
}

/** Every issuer's document content for one hamlet's speakers (versions and signing are the publisher's). */
export function issuerDocs(
  commune: string,
  hamlet: string,
  o: BuildOptions,
  deps: IssuerDocDeps,
  opts: { withArea?: boolean } = {},
): IssuerDoc[] {
  return communeIssuerDocs(commune, o, deps, opts)(hamlet);
}

/**
 * The same for every hamlet of a commune: what does not depend on the hamlet (stops, approved announcements,
 * policies) is read once, and each hamlet's documents are built once however many speakers it has; a
 * province-wide broadcast re-issues every speaker of every commune at once.
 */
export function communeIssuerDocs(
  commune: string,
  o: BuildOptions,
  deps: IssuerDocDeps,
  opts: { withArea?: boolean } = {},
): (hamlet: string) => IssuerDoc[] {
  const stops = deps.store.stops.active(new Date(o.now).toISOString());
  const units = issuersOf(commune, deps).flatMap((unit) => {
    const key = deps.keys.get(unit.code);
    if (!key) return [];
    const approved =
      unit.level === 'commune'
        ? deps.store.announcements.approvedFor(commune)
        : deps.store.announcements.approvedFrom(unit.level, unit.code, commune);
    return [
      {
        unit,
        key,
        approved,
        stop: stopFor(stops, unit, commune),
        policy: deps.policy?.forUnit(unit) ?? DEFAULT_SOUND_POLICY,
      },
    ];
  });
  const speakers = deps.area.speakers(commune);
  const byHamlet = new Map<string, IssuerDoc[]>();
  return (hamlet) => {
    const known = byHamlet.get(hamlet);
    if (known) return known;
    const docs: IssuerDoc[] = [];
    for (const { unit, key, approved, stop, policy } of units) {
      const items = buildItems(approved, hamlet, o, opts);
      // a unit above the commune that never had anything for this speaker sends nothing (no idle traffic);
      // once it has sent a document it keeps it current, so a lifted stop or a withdrawn item is cleared
      if (
        unit.level !== 'commune' &&
        items.length === 0 &&
        !stop &&
        policy === DEFAULT_SOUND_POLICY &&
        !deps.store.speakerDocs.anyIssued(
          speakers.filter((s) => s.hamlet === hamlet).map((s) => s.id),
          ISSUER_CHANNELS[unit.level],
        )
      )
        continue;
      docs.push({ channel: ISSUER_CHANNELS[unit.level], issuer: unit, key, items, policy, ...(stop ? { stop } : {}) });
    }
    byHamlet.set(hamlet, docs);
    return docs;
  };
}
