import { Q, UPTIME_SLOT_MS } from './queries.ts';
import { influx } from './influx-query.ts';
import { dashboardShell, rename, statPanel, tablePanel, timeseriesPanel, withSeriesNames } from './panels.ts';
import { areaVariables } from './variables.ts';
import {
  cameraNameMapping,
  communeNameMapping,
  demoUnitNames,
  deviceNameMapping,
  deviceNames,
  KIND_NAMES,
  nameMapping,
  type UnitNames,
} from './units.ts';

/** (3) Device health: loudspeakers, rating boxes (presence) and counter cameras (probes). */
export function devicesDashboard(units: UnitNames = demoUnitNames()) {
  return dashboardShell(
    'tt-devices',
    'Tình trạng thiết bị',
    `Thời gian hoạt động của loa và hộp đánh giá: tỷ lệ các khoảng ${UPTIME_SLOT_MS / 60_000} phút có nhận được tín hiệu định kỳ (heartbeat). Camera: tỷ lệ lần kiểm tra thành công.`,
    areaVariables(units, 'commune'),
  )
    .withPanel(
      statPanel(1, 'Thiết bị đang mất kết nối', { x: 0, y: 0, w: 6, h: 5 }, [influx(Q.offlineCount)]).noValue('0'),
    )
    .withPanel(
      tablePanel(2, 'Danh sách thiết bị đang mất kết nối', { x: 6, y: 0, w: 18, h: 5 }, [
        influx(Q.offlineList, 'A', 'table'),
      ])
        .overrideByName('commune', [...rename('commune', 'Xã/phường'), communeNameMapping(units)])
        .overrideByName('Time', rename('Time', 'Mất kết nối từ'))
        .overrideByName('device', [...rename('device', 'Thiết bị'), deviceNameMapping(units)])
        .overrideByName('kind', [...rename('kind', 'Loại'), nameMapping(KIND_NAMES)]),
    )
    .withPanel(
      tablePanel(3, 'Thời gian hoạt động của loa và hộp đánh giá', { x: 0, y: 5, w: 12, h: 10 }, [
        influx(Q.deviceUptime, 'A', 'table'),
      ])
        .overrideByName('uptime', [...rename('uptime', 'Hoạt động (%)'), { id: 'decimals', value: 1 }])
        .overrideByName('device', [...rename('device', 'Thiết bị'), deviceNameMapping(units)])
        .overrideByName('kind', [...rename('kind', 'Loại'), nameMapping(KIND_NAMES)]),
    )
    .withPanel(
      tablePanel(4, 'Lần cuối nhận tín hiệu', { x: 12, y: 5, w: 12, h: 10 }, [influx(Q.lastSeen, 'A', 'table')])
        .overrideByName('device', [...rename('device', 'Thiết bị'), deviceNameMapping(units)])
        .overrideByName('kind', [...rename('kind', 'Loại'), nameMapping(KIND_NAMES)])
        .overrideByName('commune', [...rename('commune', 'Xã/phường'), communeNameMapping(units)])
        .overrideByName('Time', rename('Time', 'Lần cuối'))
        .overrideByName('uptime_s', [...rename('uptime_s', 'Đã chạy'), { id: 'unit', value: 's' }]),
    )
    .withPanel(
      tablePanel(5, 'Camera quầy: thời gian hoạt động', { x: 0, y: 15, w: 12, h: 8 }, [
        influx(Q.cameraUptime, 'A', 'table'),
      ])
        .overrideByName('commune', [...rename('commune', 'Xã/phường'), communeNameMapping(units)])
        .overrideByName('uptime', [...rename('uptime', 'Hoạt động (%)'), { id: 'decimals', value: 1 }])
        .overrideByName('camera', [...rename('camera', 'Camera'), cameraNameMapping(units)])
        .overrideByName('probes', rename('probes', 'Số lần kiểm tra')),
    )
    .withPanel(
      tablePanel(6, 'Camera quầy: trạng thái hiện tại (1 = hoạt động)', { x: 12, y: 15, w: 12, h: 8 }, [
        influx(Q.cameraNow, 'A', 'table'),
      ])
        .overrideByName('commune', [...rename('commune', 'Xã/phường'), communeNameMapping(units)])
        .overrideByName('camera', [...rename('camera', 'Camera'), cameraNameMapping(units)])
        .overrideByName('up', rename('up', 'Hoạt động'))
        .overrideByName('Time', rename('Time', 'Kiểm tra lần cuối')),
    )
    .withPanel(
      withSeriesNames(
        timeseriesPanel(7, 'Thời gian hoạt động theo ngày (theo trạng thái kết nối)', { x: 0, y: 23, w: 24, h: 8 }, [
          influx(Q.dailyUptime).alias('$tag_device'),
        ])
          .unit('percentunit')
          .min(0)
          .max(1),
        deviceNames(units),
      ),
    )
    .withPanel(
      tablePanel(
        8,
        'Broker từ chối theo lý do (mọi nút, từ lần khởi động gần nhất của mỗi nút)',
        { x: 0, y: 31, w: 24, h: 8 },
        [influx(Q.brokerRefusals, 'A', 'table')],
      )
        .overrideByName('reason', rename('reason', 'Lý do'))
        .overrideByName('count', rename('count', 'Số lần')),
    );
}
