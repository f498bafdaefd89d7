/** One InfluxQL result series, as InfluxDB 1.x returns it. */
export type Series = { name: string; tags?: Record<string, string>; columns: string[]; values: unknown[][] };
/** Runs one InfluxQL statement; the reader of the storage schema does not care how it reaches InfluxDB. */
export type QueryRunner = (query: string) => Promise<Series[]>;

/** Rows of a series as objects keyed by column name. */
export function rows(series: Series): Record<string, unknown>[] {
  return series.values.map((v) => Object.fromEntries(series.columns.map((c, i) => [c, v[i]])));
}
