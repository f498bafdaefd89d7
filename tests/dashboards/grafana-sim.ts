import { influxQuery, type Series } from './influx-http.ts';

/**
 * What Grafana does with a panel, minus the drawing: interpolate the InfluxQL (macros and template
 * variables, escaped the way Grafana's InfluxDB datasource escapes them), run it, turn the series into
 * data frames, then apply the panel's transformations (only those our dashboards use).
 */
export type Vars = Record<string, string | string[]>;
export type Frame = { refId: string; rows: Record<string, unknown>[] };
export type Ctx = {
  url: string;
  db: string;
  from: number;
  to: number;
  interval: string;
  vars: Vars;
  allValues?: Record<string, string>;
};

const regexEscape = (s: string) => s.replace(/[\\^$*+?.()|[\]{}/]/g, '\\$&');

export function interpolate(query: string, ctx: Ctx): string {
  let q = query
    .replaceAll('$timeFilter', `time >= ${ctx.from}ms and time <= ${ctx.to}ms`)
    .replaceAll('${__from}', String(ctx.from))
    .replaceAll('${__to}', String(ctx.to))
    .replaceAll('$__interval', ctx.interval);
  // inside /…/ Grafana regex-escapes values and joins multi values as (a|b); elsewhere the raw value
  q = q.replace(/\/\^\$(\w+)\$\//g, (_m, name: string) => {
    const v = ctx.vars[name];
    if (v === undefined) throw new Error(`variable ${name} unset`);
    if (v === '$__all') return `/^${ctx.allValues?.[name] ?? '.*'}$/`;
    const list = Array.isArray(v) ? v : [v];
    return `/^${list.length === 1 ? regexEscape(list[0]) : `(${list.map(regexEscape).join('|')})`}$/`;
  });
  q = q.replace(/\$(\w+)/g, (_m, name: string) => {
    const v = ctx.vars[name];
    if (v === undefined) throw new Error(`variable ${name} unset in ${query}`);
    return Array.isArray(v) ? v.join(',') : v;
  });
  if (/\$[\w{]/.test(q)) throw new Error(`uninterpolated macro in ${q}`);
  return q;
}

/** Series → one table frame: a row per value, with the series' tags as columns and Time (ms). */
export function toFrame(refId: string, series: Series[]): Frame {
  const rows = series.flatMap((s) =>
    s.values.map((v) => {
      const row: Record<string, unknown> = { ...(s.tags ?? {}) };
      s.columns.forEach((c, i) => (row[c === 'time' ? 'Time' : c] = v[i]));
      return row;
    }),
  );
  return { refId, rows };
}

/** Grafana variable query: SHOW TAG VALUES → values; SELECT → the first value column (value[1]). */
export async function runVariable(query: string, ctx: Ctx): Promise<string[]> {
  const series = await influxQuery(ctx.url, ctx.db, interpolate(query, ctx));
  return series.flatMap((s) => s.values.map((v) => String(v[1])));
}

export async function runPanel(panel: Panel, ctx: Ctx): Promise<Frame[]> {
  const frames: Frame[] = [];
  for (const t of panel.targets) {
    if (!t.rawQuery) throw new Error(`panel ${panel.id}: target ${t.refId} is not a raw InfluxQL query`);
    frames.push(toFrame(t.refId, await influxQuery(ctx.url, ctx.db, interpolate(t.query, ctx))));
  }
  return applyTransformations(frames, panel.transformations ?? []);
}

export type Panel = {
  id: number;
  type: string;
  title: string;
  targets: { refId: string; query: string; rawQuery: boolean; resultFormat: string }[];
  transformations?: { id: string; options: any }[];
};

// ---- transformations ----

const VN_OFFSET = 7 * 3_600_000;

/** moment-style format, the tokens we use: E (ISO weekday), H / HH (hour), [literal]; dashboard tz = ICT */
export function formatTime(ms: number, format: string): string {
  const d = new Date(ms + VN_OFFSET);
  return format.replace(/\[([^\]]*)\]|HH|H|E/g, (tok, lit?: string) => {
    if (lit !== undefined) return lit;
    if (tok === 'E') return String(d.getUTCDay() === 0 ? 7 : d.getUTCDay());
    if (tok === 'HH') return String(d.getUTCHours()).padStart(2, '0');
    return String(d.getUTCHours());
  });
}

function transform(frames: Frame[], t: { id: string; options: any }): Frame[] {
  const o = t.options;
  const map = (f: (rows: Record<string, unknown>[]) => Record<string, unknown>[]) =>
    frames.map((fr) => ({ ...fr, rows: f(fr.rows) }));
  switch (t.id) {
    case 'formatTime':
      return map((rows) =>
        rows.map((r) => ({ ...r, [o.timeField]: formatTime(Number(r[o.timeField]), o.outputFormat) })),
      );
    case 'extractFields':
      if (o.format !== 'json') throw new Error('extractFields: only json');
      return map((rows) =>
        rows.map((r) => {
          const extra = JSON.parse(String(r[o.source])) as Record<string, unknown>;
          const base = { ...r };
          if (o.replace) delete base[o.source];
          return { ...base, ...extra };
        }),
      );
    case 'groupBy':
      return map((rows) => groupBy(rows, o.fields));
    case 'sortBy':
      return map((rows) =>
        [...rows].sort((a, b) => cmp(a[o.sort[0].field], b[o.sort[0].field]) * (o.sort[0].desc ? -1 : 1)),
      );
    case 'groupingToMatrix':
      return map((rows) => matrix(rows, o));
    case 'merge':
      return [{ refId: frames.map((f) => f.refId).join('+'), rows: merge(frames) }];
    default:
      throw new Error(`transformation ${t.id} not simulated`);
  }
}

const cmp = (a: unknown, b: unknown) =>
  typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b));

function groupBy(
  rows: Record<string, unknown>[],
  fields: Record<string, { operation: string | null; aggregations?: string[] }>,
) {
  const keys = Object.entries(fields)
    .filter(([, f]) => f.operation === 'groupby')
    .map(([k]) => k);
  const aggs = Object.entries(fields).filter(([, f]) => f.operation === 'aggregate');
  const groups = new Map<string, Record<string, unknown>>();
  for (const r of rows) {
    const id = JSON.stringify(keys.map((k) => r[k]));
    const g = groups.get(id) ?? Object.fromEntries(keys.map((k) => [k, r[k]]));
    for (const [f, spec] of aggs) {
      for (const a of spec.aggregations!) {
        if (a !== 'sum') throw new Error(`groupBy: aggregation ${a} not simulated`);
        g[`${f} (sum)`] = Number(g[`${f} (sum)`] ?? 0) + Number(r[f] ?? 0);
      }
    }
    groups.set(id, g);
  }
  return [...groups.values()];
}

function matrix(
  rows: Record<string, unknown>[],
  o: { rowField: string; columnField: string; valueField: string; emptyValue: string },
) {
  const cols = [...new Set(rows.map((r) => r[o.columnField]))].sort(cmp);
  const rowKeys = [...new Set(rows.map((r) => r[o.rowField]))].sort(cmp);
  return rowKeys.map((rk) => {
    const out: Record<string, unknown> = { [`${o.rowField}\\${o.columnField}`]: rk };
    for (const c of cols) {
      const hit = rows.find((r) => r[o.rowField] === rk && r[o.columnField] === c);
      out[String(c)] = hit ? hit[o.valueField] : o.emptyValue === 'zero' ? 0 : null;
    }
    return out;
  });
}

/** Grafana "merge": rows of several tables with equal values in their shared columns become one row. */
function merge(frames: Frame[]) {
  const shared = (r: Record<string, unknown>) => Object.keys(r).filter((k) => k !== 'Time' && typeof r[k] === 'string');
  const out = new Map<string, Record<string, unknown>>();
  for (const f of frames) {
    for (const r of f.rows) {
      const id = JSON.stringify(
        shared(r)
          .sort()
          .map((k) => [k, r[k]]),
      );
      const { Time: _t, ...rest } = r;
      out.set(id, { ...(out.get(id) ?? {}), ...rest });
    }
  }
  return [...out.values()];
}

export function applyTransformations(frames: Frame[], ts: { id: string; options: any }[]): Frame[] {
  return ts.reduce(transform, frames);
}
