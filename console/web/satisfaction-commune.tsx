import type uPlotType from 'uplot';
import type { HeatCell, TrendPoint } from '../../devices/analytics/figures.ts';
import type { CommuneAnswer, SatisfactionAreas } from '../api/satisfaction.ts';
import { DataTable, int, num, pct, type Row, signed } from './data-table.tsx';
import { TrendChart, vnDay, vnMonth } from './trend-chart.tsx';

/**
 * One commune's satisfaction: the summary, weekly and monthly trends (charts and tables), the share of each
 * level, accepted and refused presses, counters, officers (the commune's leader only), the hour × weekday heat
 * map and the devices. Labels of levels, weekdays and device states come from the server.
 */
type Labels = Pick<SatisfactionAreas, 'levels' | 'weekdays'>;
const weekLabel = (iso: string) => vnDay(iso).slice(0, 5);
const trendRows = (pts: TrendPoint[], fmt: (iso: string) => string): Row[] =>
  pts.map((p) => ({ cells: [fmt(p.start), num(p.index), int(p.n)] }));
const rankedRows = (list: CommuneAnswer['counters']): Row[] =>
  list.map((c) => ({ cells: [c.rank ?? '–', c.name, num(c.shrunk), num(c.index), int(c.n)] }));

function HeatTable(props: { cells: HeatCell[]; weekdays: string[] }) {
  const { cells, weekdays } = props;
  const hours = [...new Set(cells.map((c) => c.hour))].sort((a, b) => a - b);
  const at = new Map(cells.map((c) => [`${c.weekday}:${c.hour}`, c]));
  const rows: Row[] = [1, 2, 3, 4, 5, 6, 7]
    .filter((d) => cells.some((c) => c.weekday === d))
    .map((d) => ({
      cells: [
        weekdays[d - 1]!,
        ...hours.map((h) => {
          const c = at.get(`${d}:${h}`);
          const data = { weekday: String(d), hour: String(h) };
          if (!c || c.index === null) return { text: '', data };
          return {
            text: `${num(c.index, 0)} % (${int(c.n)})`,
            cls: c.index >= 85 ? 'heat-good' : c.index >= 70 ? 'heat-mid' : 'heat-bad',
            title: `${weekdays[d - 1]} ${h}:00–${h + 1}:00: ${int(c.satisfied)}/${int(c.n)} hài lòng`,
            data,
          };
        }),
      ],
    }));
  return (
    <div class="heat">
      <DataTable
        id="ban-do-nhiet"
        caption="Chỉ số theo giờ trong ngày và thứ trong tuần (số lượt trong ngoặc)"
        head={['Thứ', ...hours.map((h) => `${h} giờ`)]}
        rows={rows}
      />
    </div>
  );
}

export function CommuneFigures(props: { d: CommuneAnswer; labels: Labels; uPlot: typeof uPlotType; width: number }) {
  const { d, labels } = props;
  const change = d.index !== null && d.previous.index !== null ? d.index - d.previous.index : null;
  const levelRows: Row[] = labels.levels.map(({ key, label }) => ({
    cells: [label, int(d.counts[key] ?? 0), d.n ? `${num((100 * (d.counts[key] ?? 0)) / d.n)} %` : '–'],
  }));
  const uptime = d.uptime === null ? '–' : pct(d.uptime);
  return (
    <>
      <h3>{`${d.name} – ${d.period.label} (${d.period.text})`}</h3>
      <p class="sat-summary" id="sat-commune-summary">
        {`Chỉ số hài lòng ${num(d.index)} % trên ${int(d.n)} lượt (kỳ trước ${num(d.previous.index)} % trên ${int(d.previous.n)} lượt; thay đổi ${signed(change)} điểm %). Lượt bấm bị từ chối do khóa chống bấm liên tục: ${int(d.rejectedLockout)}, bên cạnh ${int(d.accepted)} lượt được ghi nhận. Loa và hộp đánh giá hoạt động ${uptime} thời gian của kỳ.`}
      </p>
      <div class="charts">
        <TrendChart
          uPlot={props.uPlot}
          width={props.width}
          points={d.weekly}
          title="Theo tuần"
          stepDays={7}
          label={weekLabel}
        />
        <TrendChart
          uPlot={props.uPlot}
          width={props.width}
          points={d.monthly}
          title="Theo tháng"
          stepDays={30}
          label={vnMonth}
        />
      </div>
      <DataTable
        id="theo-tuan"
        caption="Chỉ số theo tuần (tuần bắt đầu thứ Hai)"
        head={['Tuần từ', 'Chỉ số (%)', 'Số lượt']}
        rows={trendRows(d.weekly, vnDay)}
      />
      <DataTable
        id="theo-thang"
        caption="Chỉ số theo tháng"
        head={['Tháng', 'Chỉ số (%)', 'Số lượt']}
        rows={trendRows(d.monthly, vnMonth)}
      />
      <DataTable id="ty-le-muc" caption="Tỷ lệ từng mức đánh giá" head={['Mức', 'Số lượt', 'Tỷ lệ']} rows={levelRows} />
      <DataTable
        id="lan-bam"
        caption="Lượt bấm được ghi nhận và bị từ chối"
        head={['Loại', 'Số lượt']}
        rows={[
          { cells: ['Được ghi nhận (đánh giá)', int(d.accepted)] },
          { cells: ['Bị từ chối (khóa chống bấm liên tục)', int(d.rejectedLockout)] },
        ]}
      />
      <DataTable
        id="theo-quay"
        caption="Theo quầy"
        head={['Hạng', 'Quầy', 'Chỉ số hiệu chỉnh (%)', 'Chỉ số (%)', 'Số lượt']}
        rows={rankedRows(d.counters)}
      />
      {!!d.officers?.length && (
        <DataTable
          id="theo-can-bo"
          caption="Theo cán bộ (chỉ lãnh đạo xã xem)"
          head={['Hạng', 'Cán bộ', 'Chỉ số hiệu chỉnh (%)', 'Chỉ số (%)', 'Số lượt']}
          rows={rankedRows(d.officers)}
        />
      )}
      <HeatTable cells={d.heatMap} weekdays={labels.weekdays} />
      <DataTable
        id="thiet-bi"
        caption={`Tình trạng thiết bị (đang mất kết nối: ${d.offlineNow})`}
        head={['Loại', 'Vị trí', 'Hiện tại', 'Hoạt động tuần này']}
        rows={d.devices.map((x) => ({
          key: x.id,
          cells: [
            x.kindLabel,
            { text: x.place, title: x.id },
            {
              text: x.stateLabel,
              cls: x.online === false ? 'state-failed' : x.online ? 'state-played' : 'state-pending',
            },
            pct(x.uptimeWeek),
          ],
        }))}
      />
    </>
  );
}
