import { useLayoutEffect, useRef } from 'preact/hooks';
import type uPlotType from 'uplot';
import type { TrendPoint } from '../../devices/analytics/figures.ts';
import { vnDateText } from '../../devices/time/vietnam.ts';
import { int, num } from './data-table.tsx';

/**
 * A trend (index as a line, ratings as bars, one per week or month) drawn with uPlot. uPlot is served by the
 * console itself (/vendor/uplot/) and loaded the first time a chart is needed, so other pages do not pay for it.
 */
type UPlot = typeof uPlotType;
declare global {
  interface Window {
    uPlot?: UPlot;
  }
}

let loading: Promise<UPlot> | undefined;
export function loadUplot(): Promise<UPlot> {
  if (window.uPlot) return Promise.resolve(window.uPlot);
  loading ??= new Promise<UPlot>((resolve, reject) => {
    const css = Object.assign(document.createElement('link'), {
      rel: 'stylesheet',
      href: '/vendor/uplot/uPlot.min.css',
    });
    const js = Object.assign(document.createElement('script'), {
      src: '/vendor/uplot/uPlot.iife.min.js',
      onload: () => resolve(window.uPlot!),
      onerror: () => {
        loading = undefined;
        reject(new Error('Không tải được thư viện biểu đồ'));
      },
    });
    document.head.append(css, js);
  });
  return loading;
}

/** an instant (UTC ISO) → dd/mm/yyyy in Vietnam time */
export const vnDay = (iso: string): string => vnDateText(Date.parse(iso));
export const vnMonth = (iso: string): string => vnDay(iso).slice(3);

/** `uPlot`: loaded before the view draws (loadUplot), so the chart is there when the view says it is ready */
export function TrendChart(props: {
  uPlot: UPlot;
  points: TrendPoint[];
  title: string;
  stepDays: number;
  label: (iso: string) => string;
  width: number;
}) {
  const box = useRef<HTMLDivElement>(null);
  const { uPlot, points, stepDays, label, width } = props;
  useLayoutEffect(() => {
    if (!box.current || !points.length) return;
    const xs = points.map((p) => Date.parse(p.start) / 1000);
    const chart = new uPlot(
      {
        width,
        height: 220,
        tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Asia/Ho_Chi_Minh'),
        // one bar per period: the x range pads half a period each side, ticks sit on the periods themselves
        scales: {
          x: { time: true, range: (_u, min, max) => [min - stepDays * 43_200, max + stepDays * 43_200] },
          idx: { range: [0, 100] },
          n: { range: (_u, _min, max) => [0, Math.max(1, max) * 1.1] },
        },
        axes: [
          { splits: () => xs, values: (_u, ticks) => ticks.map((t) => label(new Date(t * 1000).toISOString())) },
          { scale: 'idx', label: 'Chỉ số (%)' },
          { scale: 'n', side: 1, label: 'Số lượt', grid: { show: false } },
        ],
        series: [
          { label: 'Thời gian', value: (_u, v) => (v === null ? '' : vnDateText(v * 1000)) },
          { label: 'Chỉ số (%)', scale: 'idx', stroke: '#b71c1c', width: 2, value: (_u, v) => num(v) },
          {
            label: 'Số lượt',
            scale: 'n',
            stroke: '#1565c0',
            paths: uPlot.paths.bars!({ size: [0.5] }),
            fill: 'rgba(21,101,192,.25)',
            value: (_u, v) => int(v),
          },
        ],
      },
      [xs, points.map((p) => p.index), points.map((p) => p.n)],
      box.current,
    );
    return () => chart.destroy();
  }, [uPlot, points, stepDays, label, width]);
  return (
    <div class="chart" ref={box}>
      <h4>{props.title}</h4>
    </div>
  );
}
