import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';

/**
 * InfluxQL cannot extract the hour or the weekday of a timestamp, so the commune dashboard asks
 * InfluxDB for hourly counts (Vietnam time) and lets Grafana (≥ 10.4) fold them:
 * formatTime writes the dashboard-timezone time as a small JSON text {"thu":"E","gio":"HH"} (E = ISO
 * weekday 1..7, HH = hour 00..23; strings, because bar charts need a string x axis), extractFields splits
 * it into the fields `thu` and `gio`, groupBy sums per key.
 * tests/dashboards/grafana-sim.ts applies these same steps to the real query results.
 */
export const WEEKDAY_FIELD = 'thu';
export const HOUR_FIELD = 'gio';

export const timeParts = (): dashboard.DataTransformerConfig[] => [
  {
    id: 'formatTime',
    options: {
      timeField: 'Time',
      outputFormat: `[{"${WEEKDAY_FIELD}":"]E[","${HOUR_FIELD}":"]HH["}]`,
      useTimezone: true,
    },
  },
  { id: 'extractFields', options: { source: 'Time', format: 'json', replace: false, keepTime: false } },
];

const sumOf = (fields: string[]) =>
  Object.fromEntries(fields.map((f) => [f, { operation: 'aggregate', aggregations: ['sum'] }]));

export const groupBy = (keys: string[], sums: string[]): dashboard.DataTransformerConfig => ({
  id: 'groupBy',
  options: {
    fields: {
      ...Object.fromEntries(keys.map((k) => [k, { operation: 'groupby' }])),
      ...sumOf(sums),
      Time: { operation: null },
    },
  },
});

export const sortBy = (field: string, desc = false): dashboard.DataTransformerConfig => ({
  id: 'sortBy',
  options: { sort: [{ field, desc }] },
});

/** rows = weekdays, columns = hours, cells = summed ratings */
export const matrix = (valueField: string): dashboard.DataTransformerConfig => ({
  id: 'groupingToMatrix',
  options: { rowField: WEEKDAY_FIELD, columnField: HOUR_FIELD, valueField, emptyValue: 'zero' },
});

/** tables of several targets, one row per shared tag value (e.g. hamlet) */
export const merge = (): dashboard.DataTransformerConfig => ({ id: 'merge', options: {} });
