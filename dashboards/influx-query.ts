import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import type * as common from '@grafana/grafana-foundation-sdk/common';

/**
 * The foundation SDK has no InfluxDB query type: this is the InfluxQL target Grafana's InfluxDB
 * datasource stores for a raw (hand-written) query: `query` + `rawQuery: true`.
 */
export const DATASOURCE: common.DataSourceRef = { type: 'influxdb', uid: 'thanthien-influxdb' };

export type ResultFormat = 'time_series' | 'table';

export type InfluxTarget = cog.Dataquery & {
  refId: string;
  datasource: common.DataSourceRef;
  query: string;
  rawQuery: true;
  resultFormat: ResultFormat;
  alias?: string;
};

export class InfluxQueryBuilder implements cog.Builder<cog.Dataquery> {
  #format: ResultFormat = 'time_series';
  #refId = 'A';
  #alias?: string;

  constructor(readonly query: string) {}

  refId(refId: string): this {
    this.#refId = refId;
    return this;
  }

  format(format: ResultFormat): this {
    this.#format = format;
    return this;
  }

  /** legend/column name pattern, e.g. '$tag_level' */
  alias(alias: string): this {
    this.#alias = alias;
    return this;
  }

  build(): InfluxTarget {
    const target = {
      refId: this.#refId,
      datasource: DATASOURCE,
      query: this.query,
      rawQuery: true as const,
      resultFormat: this.#format,
      ...(this.#alias ? { alias: this.#alias } : {}),
    };
    // the variant marker is a type-level brand only; JSON never carries it
    return target as unknown as InfluxTarget;
  }
}

export function influx(query: string, refId = 'A', format: ResultFormat = 'time_series'): InfluxQueryBuilder {
  return new InfluxQueryBuilder(query).refId(refId).format(format);
}
