import * as common from '@grafana/grafana-foundation-sdk/common';
import { Q } from './queries.ts';
import { influx } from './influx-query.ts';
import {
  barchartPanel,
  dashboardShell,
  indexStatPanel,
  indexTrendFields,
  rename,
  stackedCounts,
  tablePanel,
  timeseriesPanel,
} from './panels.ts';
import { AREA_FILTER, areaVariables, shrinkageVariables } from './variables.ts';
import { communeNameMapping, demoUnitNames, LEVEL_NAMES, nameMapping, type UnitNames } from './units.ts';

/** (1) Satisfaction overview for a province or district: communes ranked by shrunk index, with counts. */
export function overviewDashboard(units: UnitNames = demoUnitNames()) {
  return dashboardShell(
    'tt-satisfaction-overview',
    'Mức độ hài lòng – tổng quan tỉnh/huyện',
    'Chỉ số hài lòng = % lượt "Hài lòng" + "Rất hài lòng" (phương pháp SIPAS, Bộ Nội vụ). Xếp hạng dùng chỉ số hiệu chỉnh (trung bình Bayes, kéo về trung bình vùng với 50 lượt giả định); luôn kèm số lượt đánh giá.',
    [...areaVariables(units, 'area'), ...shrinkageVariables('area_p', AREA_FILTER)],
  )
    .withPanel(indexStatPanel(1, 'Chỉ số hài lòng toàn vùng', { x: 0, y: 0, w: 8, h: 5 }, influx(Q.areaIndex)))
    .withPanel(
      barchartPanel(2, 'Số lượt đánh giá theo mức', { x: 8, y: 0, w: 16, h: 5 }, [influx(Q.levelCounts, 'A', 'table')])
        .xField('level')
        .overrideByName('level', [...rename('level', 'Mức'), nameMapping(LEVEL_NAMES)])
        .overrideByName('n', rename('n', 'Số lượt đánh giá')),
    )
    .withPanel(
      tablePanel(3, 'Xếp hạng xã theo chỉ số hài lòng (đã hiệu chỉnh mẫu nhỏ)', { x: 0, y: 5, w: 12, h: 14 }, [
        influx(Q.ranking, 'A', 'table'),
      ])
        .sortBy([new common.TableSortByFieldStateBuilder().displayName('Chỉ số hiệu chỉnh (%)').desc(true)])
        .overrideByName('commune', [...rename('commune', 'Xã/phường'), communeNameMapping(units)])
        .overrideByName('shrunk', [...rename('shrunk', 'Chỉ số hiệu chỉnh (%)'), { id: 'decimals', value: 1 }])
        .overrideByName('index', [...rename('index', 'Chỉ số thô (%)'), { id: 'decimals', value: 1 }])
        .overrideByName('n', rename('n', 'Số lượt đánh giá')),
    )
    .withPanel(
      indexTrendFields(
        timeseriesPanel(4, 'Xu hướng chỉ số hài lòng', { x: 12, y: 5, w: 12, h: 7 }, [
          influx(Q.areaTrend).alias('$col'),
        ]).unit('percent'),
      ),
    )
    .withPanel(
      stackedCounts(
        timeseriesPanel(5, 'Số lượt đánh giá theo mức, theo thời gian', { x: 12, y: 12, w: 12, h: 7 }, [
          influx(Q.levelTrend).alias('$tag_level'),
        ]),
        LEVEL_NAMES,
      ),
    )
    .withPanel(
      indexTrendFields(
        timeseriesPanel(6, 'Xu hướng dài hạn (dữ liệu tổng hợp theo ngày)', { x: 0, y: 19, w: 24, h: 7 }, [
          influx(Q.longTrend).alias('$col'),
        ])
          .unit('percent')
          .interval('1d'),
      ),
    );
}
