import type { Decision766 } from '../../devices/analytics/decision766.ts';
import { rankUnits, type LevelCounts } from '../../devices/analytics/satisfaction.ts';
import { communeUptime } from '../../devices/analytics/satisfaction-view.ts';
import type { Placement } from '../../devices/registry/index.ts';
import type { Area } from './area.ts';
import type { PeriodData } from './fetch.ts';
import type { Period } from './period.ts';
import type { DeclaredItems, DeploymentItem } from './declared.ts';
import { classify, isWorking, overall, type Deployment } from './rules.ts';

/**
 * What the console's database knows of a commune's service in the period (not the devices): the Decision 766
 * figure over the imported dossiers (devices/analytics/decision766.ts) and the follow-up cases opened in the period
 * (console/followup/store.ts caseCounts: overdue = still open past its deadline).
 */
export type ServiceFigures = {
  decision766: Decision766;
  followup: { opened: number; closed: number; overdue: number };
};
/** commune code → figures; the CLI without the console's database has none ("Chưa có dữ liệu") */
export type ServiceData = ReadonlyMap<string, ServiceFigures>;

export type MeasureRow = { units: number; covered: number; installed: number; working: number; status: Deployment };

export type CommuneRow = {
  code: string;
  name: string;
  district: string;
  speakers: MeasureRow; // units = hamlets
  ratingBoxes: MeasureRow; // units = counters
  cameras: MeasureRow; // units = counters
  overall: Deployment;
  ratings: LevelCounts;
  n: number;
  index: number | null;
  shrunk: number | null;
  rank: number | null;
  broadcastsScheduled: number;
  broadcastsPlayed: number;
  /** mean uptime (0..1) of the commune's loudspeakers and rating boxes over the period (devices/analytics/satisfaction-view.ts) */
  uptime: number | null;
  /** what the commune's staff declared in the console (absent item: not declared) */
  declared: Partial<Record<DeploymentItem, boolean>>;
  /** null: no data (the appendix was made without the console's database) */
  service: ServiceFigures | null;
};

export type MeasureKey = 'speakers' | 'ratingBoxes' | 'cameras' | 'overall';
export type Totals = Record<MeasureKey, Record<Deployment, string[]>>;
export type Report = {
  area: Area;
  period: Period;
  evaluatedUntilMs: number;
  communes: CommuneRow[];
  totals: Totals;
  hasService: boolean;
};

function measure(units: string[], devicesByUnit: Map<string, string[]>, working: (id: string) => boolean): MeasureRow {
  const all = units.flatMap((u) => devicesByUnit.get(u) ?? []);
  const covered = units.filter((u) => (devicesByUnit.get(u) ?? []).some(working)).length;
  return {
    units: units.length,
    covered,
    installed: all.length,
    working: all.filter(working).length,
    status: classify(units.length, covered),
  };
}

function group(pairs: [string, string][]): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const [unit, id] of pairs) m.set(unit, [...(m.get(unit) ?? []), id]);
  return m;
}

function communeRow(
  p: Placement,
  data: PeriodData,
): Omit<CommuneRow, 'n' | 'index' | 'shrunk' | 'rank' | 'declared' | 'service'> {
  const c = p.commune;
  const deviceUp = (id: string) => isWorking(data.deviceUptime.get(id));
  const speakers = group(
    c.devices.flatMap((d) => (d.kind === 'speaker' ? [[d.hamlet, d.id] as [string, string]] : [])),
  );
  const boxes = group(
    c.devices.flatMap((d) => (d.kind === 'rating-box' ? [[d.counter, d.id] as [string, string]] : [])),
  );
  const cams = group(c.counters.flatMap((k) => k.cameras.map((cam) => [k.id, cam.id] as [string, string])));
  const counters = c.counters.map((k) => k.id);
  const row = {
    code: c.code,
    name: c.name,
    district: p.district?.name ?? '',
    speakers: measure(
      c.hamlets.map((h) => h.id),
      speakers,
      deviceUp,
    ),
    ratingBoxes: measure(counters, boxes, deviceUp),
    cameras: measure(counters, cams, (id) => isWorking(data.cameras.get(id))),
    ratings: data.ratings.get(c.code) ?? {},
    broadcastsScheduled: data.broadcasts.get(c.code)?.scheduled ?? 0,
    broadcastsPlayed: data.broadcasts.get(c.code)?.played ?? 0,
    uptime: communeUptime(c, data.deviceUptime),
  };
  return { ...row, overall: overall([row.speakers.status, row.ratingBoxes.status, row.cameras.status]) };
}

/** The appendix model: one row per commune (ranked by shrunk index), totals per measure with names. */
export function buildReport(
  area: Area,
  period: Period,
  data: PeriodData,
  nowMs: number,
  declared?: DeclaredItems,
  service?: ServiceData,
): Report {
  const untilMs = Math.min(period.endMs, Math.max(nowMs, period.startMs));
  const base = area.communes.map((p) => ({
    ...communeRow(p, data),
    declared: declared?.get(p.commune.code) ?? {},
    service: service?.get(p.commune.code) ?? null,
  }));
  const ranked = rankUnits(base, (r) => r.ratings);
  const communes: CommuneRow[] = ranked.map(({ satisfied: _s, ...r }) => r);
  const empty = (): Record<Deployment, string[]> => ({ 'day-du': [], 'chua-day-du': [], 'chua-trien-khai': [] });
  const totals: Totals = { speakers: empty(), ratingBoxes: empty(), cameras: empty(), overall: empty() };
  for (const r of [...communes].sort((a, b) => a.code.localeCompare(b.code))) {
    totals.speakers[r.speakers.status].push(r.name);
    totals.ratingBoxes[r.ratingBoxes.status].push(r.name);
    totals.cameras[r.cameras.status].push(r.name);
    totals.overall[r.overall].push(r.name);
  }
  return { area, period, evaluatedUntilMs: untilMs, communes, totals, hasService: service !== undefined };
}
