import * as common from '@grafana/grafana-foundation-sdk/common';
import { Q, WORST_MIN_N } from './queries.ts';
import { influx } from './influx-query.ts';
import {
  barchartPanel,
  dashboardShell,
  type Grid,
  indexStatPanel,
  indexTrendFields,
  rename,
  tablePanel,
  timeseriesPanel,
} from './panels.ts';
import { groupBy, HOUR_FIELD, matrix, sortBy, timeParts, WEEKDAY_FIELD } from './transformations.ts';
import { areaVariables, COMMUNE_FILTER, shrinkageVariables } from './variables.ts';
import { counterNameMapping, demoUnitNames, type UnitNames } from './units.ts';

/** (2) One commune: per counter, per hour of day and weekday, worst days, hour × weekday heat map. */
export function communeDashboard(units: UnitNames = demoUnitNames()) {
  return dashboardShell(
    'tt-commune',
    'Mức độ hài lòng – một xã',
    'Theo quầy, theo giờ trong ngày và theo thứ (ngày làm việc), các ngày thấp nhất, bản đồ nhiệt giờ × thứ. Giờ Việt Nam.',
    [...areaVariables(units, 'commune'), ...shrinkageVariables('commune_p', COMMUNE_FILTER)],
  )
    .withPanel(indexStatPanel(1, 'Chỉ số hài lòng của xã', { x: 0, y: 0, w: 6, h: 5 }, influx(Q.communeIndex)))
    .withPanel(
      tablePanel(2, 'Theo quầy (chỉ số hiệu chỉnh về trung bình của xã)', { x: 6, y: 0, w: 9, h: 8 }, [
        influx(Q.perCounter, 'A', 'table'),
      ])
        .sortBy([new common.TableSortByFieldStateBuilder().displayName('Chỉ số hiệu chỉnh (%)').desc(true)])
        .overrideByName('counter', [...rename('counter', 'Quầy'), counterNameMapping(units)])
        .overrideByName('shrunk', [...rename('shrunk', 'Chỉ số hiệu chỉnh (%)'), { id: 'decimals', value: 1 }])
        .overrideByName('index', [...rename('index', 'Chỉ số thô (%)'), { id: 'decimals', value: 1 }])
        .overrideByName('n', rename('n', 'Số lượt đánh giá')),
    )
    .withPanel(
      tablePanel(3, `Các ngày có chỉ số thấp nhất (ngày có ≥ ${WORST_MIN_N} lượt)`, { x: 15, y: 0, w: 9, h: 8 }, [
        influx(Q.worstDays, 'A', 'table'),
      ])
        .sortBy([new common.TableSortByFieldStateBuilder().displayName('Chỉ số (%)').desc(false)])
        .overrideByName('index', [...rename('index', 'Chỉ số (%)'), { id: 'decimals', value: 1 }])
        .overrideByName('n', rename('n', 'Số lượt')),
    )
    .withPanel(countsBy(4, 'Theo giờ trong ngày', { x: 0, y: 8, w: 12, h: 8 }, HOUR_FIELD, 'Giờ'))
    .withPanel(
      countsBy(
        5,
        'Theo thứ trong tuần (ISO: 1 = thứ Hai … 7 = Chủ nhật)',
        { x: 12, y: 8, w: 12, h: 8 },
        WEEKDAY_FIELD,
        'Thứ',
      ),
    )
    .withPanel(
      tablePanel(6, 'Bản đồ nhiệt: số lượt theo thứ (hàng) × giờ (cột)', { x: 0, y: 16, w: 24, h: 9 }, [
        influx(Q.hourly, 'A', 'table'),
      ])
        .transformations([...timeParts(), groupBy([WEEKDAY_FIELD, HOUR_FIELD], ['n']), matrix('n (sum)')])
        .cellOptions({ type: common.TableCellDisplayMode.ColorBackground } as common.TableCellOptions),
    )
    .withPanel(
      indexTrendFields(
        timeseriesPanel(7, 'Xu hướng chỉ số của xã', { x: 0, y: 25, w: 24, h: 7 }, [
          influx(Q.communeTrend).alias('$col'),
        ]).unit('percent'),
      ),
    );
}

/** Ratings and satisfied ratings summed by one part of the Vietnam time (hour of day, ISO weekday), as bars. */
function countsBy(id: number, title: string, grid: Grid, field: string, label: string) {
  return barchartPanel(id, title, grid, [influx(Q.hourly, 'A', 'table')])
    .transformations([...timeParts(), groupBy([field], ['n', 'satisfied']), sortBy(field)])
    .xField(field)
    .overrideByName(field, rename(field, label))
    .overrideByName('n (sum)', rename('n (sum)', 'Số lượt đánh giá'))
    .overrideByName('satisfied (sum)', rename('satisfied (sum)', 'Số lượt hài lòng'));
}
