import { Q } from './queries.ts';
import { influx } from './influx-query.ts';
import { dashboardShell, rename, stackedCounts, tablePanel, timeseriesPanel } from './panels.ts';
import { merge } from './transformations.ts';
import { areaVariables } from './variables.ts';
import { demoUnitNames, hamletNameMapping, OUTCOME_NAMES, type UnitNames } from './units.ts';

/** (4) Broadcasts per hamlet: scheduled (every logged occurrence) vs played vs not played. */
export function broadcastsDashboard(units: UnitNames = demoUnitNames()) {
  return dashboardShell(
    'tt-broadcasts',
    'Phát thanh theo thôn/ấp',
    'Theo kế hoạch = mọi lần phát đã ghi nhận; không phát = bỏ lỡ, lỗi hoặc bị bỏ qua.',
    areaVariables(units, 'commune'),
  )
    .withPanel(
      tablePanel(1, 'Theo thôn/ấp: kế hoạch, đã phát, không phát', { x: 0, y: 0, w: 12, h: 10 }, [
        influx(Q.bcScheduled, 'A', 'table'),
        influx(Q.bcPlayed, 'B', 'table'),
        influx(Q.bcMissed, 'C', 'table'),
      ])
        .transformations([merge()])
        .overrideByName('hamlet', [...rename('hamlet', 'Thôn/ấp'), hamletNameMapping(units)])
        .overrideByName('scheduled', rename('scheduled', 'Theo kế hoạch'))
        .overrideByName('played', rename('played', 'Đã phát'))
        .overrideByName('missed', rename('missed', 'Không phát')),
    )
    .withPanel(
      stackedCounts(
        timeseriesPanel(2, 'Theo ngày và kết quả', { x: 12, y: 0, w: 12, h: 10 }, [
          influx(Q.bcDaily).alias('$tag_outcome'),
        ]),
        OUTCOME_NAMES,
      ),
    );
}
