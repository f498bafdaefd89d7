import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as barchart from '@grafana/grafana-foundation-sdk/barchart';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import { VN_ZONE } from '../devices/time/vietnam.ts';
import { DATASOURCE, type InfluxQueryBuilder } from './influx-query.ts';
import type { Variable } from './variables.ts';

/**
 * Panel helpers with this project's defaults: explicit ids and grid positions (the SDK leaves ids
 * unset), legends shown (the SDK hides timeseries legends), the InfluxDB datasource on every panel.
 */
export type Grid = { x: number; y: number; w: number; h: number };

export const legend = () =>
  new common.VizLegendOptionsBuilder()
    .showLegend(true)
    .displayMode(common.LegendDisplayMode.List)
    .placement(common.LegendPlacement.Bottom);

/** Index colours: red below 70, amber below 85, green above (percent of satisfied ratings). */
export const indexThresholds = () =>
  new dashboard.ThresholdsConfigBuilder().mode(dashboard.ThresholdsMode.Absolute).steps([
    { value: null as unknown as number, color: 'red' },
    { value: 70, color: 'orange' },
    { value: 85, color: 'green' },
  ]);

export const rename = (_from: string, to: string): dashboard.DynamicConfigValue[] => [{ id: 'displayName', value: to }];

type Overridable = { overrideByName(name: string, properties: dashboard.DynamicConfigValue[]): unknown };

/** Legend names: one override per series name (a tag value such as a device id or a level) giving its name. */
export function withSeriesNames<P extends Overridable>(panel: P, names: Readonly<Record<string, string>>): P {
  for (const [key, name] of Object.entries(names)) panel.overrideByName(key, rename(key, name));
  return panel;
}

/** A count over time as bars stacked per series (a level, an outcome), each series by name. */
export function stackedCounts(panel: timeseries.PanelBuilder, names: Readonly<Record<string, string>>) {
  return withSeriesNames(
    panel
      .drawStyle(common.GraphDrawStyle.Bars)
      .stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal).group('A')),
    names,
  );
}

/** The index and count columns of a trend ('$col' legends), by name, the count as bars on the right axis. */
export function indexTrendFields<P extends Overridable>(panel: P): P {
  panel.overrideByName('index', rename('index', 'Chỉ số hài lòng (%)'));
  panel.overrideByName('n', [
    ...rename('n', 'Số lượt đánh giá'),
    { id: 'custom.axisPlacement', value: 'right' },
    { id: 'unit', value: 'none' },
    { id: 'custom.drawStyle', value: 'bars' },
  ]);
  return panel;
}

export function timeseriesPanel(id: number, title: string, grid: Grid, targets: InfluxQueryBuilder[]) {
  return new timeseries.PanelBuilder()
    .id(id)
    .title(title)
    .gridPos(grid)
    .datasource(DATASOURCE)
    .targets(targets)
    .legend(legend())
    .tooltip(new common.VizTooltipOptionsBuilder().mode(common.TooltipDisplayMode.Multi).sort(common.SortOrder.None));
}

export function tablePanel(id: number, title: string, grid: Grid, targets: InfluxQueryBuilder[]) {
  return new table.PanelBuilder().id(id).title(title).gridPos(grid).datasource(DATASOURCE).targets(targets);
}

export function statPanel(id: number, title: string, grid: Grid, targets: InfluxQueryBuilder[]) {
  return new stat.PanelBuilder()
    .id(id)
    .title(title)
    .gridPos(grid)
    .datasource(DATASOURCE)
    .targets(targets)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false));
}

/** The satisfaction index as a stat, with its count beside it (every index is shown with its count). */
export function indexStatPanel(id: number, title: string, grid: Grid, target: InfluxQueryBuilder) {
  return statPanel(id, title, grid, [target])
    .unit('percent')
    .decimals(1)
    .thresholds(indexThresholds())
    .overrideByName('index', rename('index', 'Chỉ số (%)'))
    .overrideByName('n', [...rename('n', 'Số lượt'), { id: 'unit', value: 'none' }, { id: 'decimals', value: 0 }]);
}

export function barchartPanel(id: number, title: string, grid: Grid, targets: InfluxQueryBuilder[]) {
  return new barchart.PanelBuilder()
    .id(id)
    .title(title)
    .gridPos(grid)
    .datasource(DATASOURCE)
    .targets(targets)
    .legend(legend());
}

/** Standard dashboard shell: Vietnam time zone, Monday week start, editable off (code is the source). */
export function dashboardShell(uid: string, title: string, description: string, variables: Variable[]) {
  const shell = new dashboard.DashboardBuilder(title)
    .uid(uid)
    .description(description)
    .tags(['thanthien'])
    .timezone(VN_ZONE)
    .weekStart('monday')
    .time({ from: 'now-30d', to: 'now' })
    .refresh('5m')
    .readonly();
  for (const v of variables) shell.withVariable(v);
  return shell;
}
