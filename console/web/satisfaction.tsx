import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type uPlotType from 'uplot';
import type { CommuneAnswer, RankingAnswer, SatisfactionAreas } from '../api/satisfaction.ts';
import { api, guard, say } from './api.ts';
import { DataTable, int, num, type Row, signed } from './data-table.tsx';
import { readPicker, writePicker } from './dates.ts';
import { DeploymentForm } from './deployment.tsx';
import { CommuneFigures } from './satisfaction-commune.tsx';
import { loadUplot } from './trend-chart.tsx';
import { DateField, Field } from './ui.tsx';

/**
 * "Mức độ hài lòng": the communes of an area ranked by the satisfaction index, one commune's detail, the
 * deployment the commune declared, and the review appendix. Figures and labels come from /api/satisfaction/*.
 * The section says when the figures of the current choice are drawn (data-ready) or failed (data-error): tests
 * and the benchmark wait for it.
 */
type Shown = { ranking: RankingAnswer | null; commune: CommuneAnswer | null; error: string | null; at: number };
type Form = HTMLFormElement &
  Record<'area' | 'commune' | 'period', HTMLSelectElement> &
  Record<'from' | 'to', HTMLInputElement>;

function periodQuery(f: Form): URLSearchParams {
  const q = new URLSearchParams({ period: f.period.value });
  if (f.period.value === 'custom') {
    q.set('from', readPicker(f.from, 'date'));
    q.set('to', readPicker(f.to, 'date'));
  }
  return q;
}

function Ranking(props: { r: RankingAnswer; onPick(code: string): void }) {
  const { r } = props;
  const rows: Row[] = r.rows.map((x) => {
    const flags = [
      x.fewRatings ? 'ít lượt đánh giá' : '',
      x.silentBoxes.length ? `${x.silentBoxes.length} hộp không có lượt đánh giá` : '',
    ]
      .filter(Boolean)
      .join('; ');
    return {
      key: x.code,
      data: { commune: x.code },
      onClick: () => props.onPick(x.code),
      cells: [
        x.rank ?? '–',
        { text: x.name, title: x.code },
        num(x.shrunk),
        num(x.index),
        int(x.n),
        signed(x.change),
        { text: flags || '—', cls: flags ? 'state-failed' : '' },
      ],
    };
  });
  const mean = num(r.areaMean === null ? null : r.areaMean * 100);
  return (
    <>
      <p class="sat-summary">
        {`Toàn vùng: chỉ số ${num(r.index)} % trên ${int(r.n)} lượt đánh giá. Chỉ số hiệu chỉnh kéo xã ít lượt về trung bình vùng (${mean} %) với 50 lượt giả định. Kỳ trước: ${r.period.previousText}. Chọn một xã để xem chi tiết.`}
      </p>
      <DataTable
        id="xep-hang-xa"
        caption={`Xếp hạng ${r.area.name} – ${r.period.label} (${r.period.text})`}
        head={[
          'Hạng',
          'Xã/phường',
          'Chỉ số hiệu chỉnh (%)',
          'Chỉ số (%)',
          'Số lượt',
          'Thay đổi so với kỳ trước (điểm %)',
          'Lưu ý',
        ]}
        rows={rows}
      />
    </>
  );
}

/** the review appendix of the area shown: CSV, totals or the printable page, for the days typed */
function ReportForm(props: { r: RankingAnswer }) {
  const ref = useRef<HTMLFormElement>(null);
  const field = (n: string) => ref.current!.elements.namedItem(n) as HTMLInputElement;
  useEffect(() => {
    if (field('from').value) return;
    writePicker(field('from'), 'date', props.r.period.from);
    writePicker(field('to'), 'date', props.r.period.to);
  }, [props.r]);
  const submit = (ev: SubmitEvent) => {
    ev.preventDefault();
    const format = (ev.submitter as HTMLButtonElement | null)?.value ?? 'csv';
    const from = readPicker(field('from'), 'date');
    const to = readPicker(field('to'), 'date');
    const q = new URLSearchParams({ area: props.r.area.code, from, to, format });
    window.open(`/api/satisfaction/report?${q}`, '_blank');
  };
  return (
    <section id="report-section">
      <h3>Phụ lục số liệu sơ kết</h3>
      <form id="report-form" class="controls" ref={ref} onSubmit={submit}>
        <input type="hidden" name="area" value={props.r.area.code} />
        <Field label="Từ ngày">
          <DateField name="from" kind="date" placeholder="dd/mm/yyyy" />
        </Field>
        <Field label="Đến ngày">
          <DateField name="to" kind="date" placeholder="dd/mm/yyyy" />
        </Field>
        <button type="submit" value="csv">
          Tải phụ lục (CSV)
        </button>
        <button type="submit" value="totals">
          Tải bảng tổng hợp (CSV)
        </button>
        <button type="submit" value="html">
          Bản in
        </button>
      </form>
    </section>
  );
}

export function SatisfactionView() {
  const section = useRef<HTMLElement>(null);
  const form = useRef<Form>(null);
  const [meta, setMeta] = useState<SatisfactionAreas | null>(null);
  const [custom, setCustom] = useState(false);
  const [uPlot, setUplot] = useState<typeof uPlotType | null>(null);
  const [shown, setShown] = useState<Shown | null>(null);
  // the commune shown in detail: the user's only one, or the one picked (null: ranking only)
  const commune = useRef<string | null>(null);
  const asked = useRef(0);

  const refresh = async (m: SatisfactionAreas) => {
    const f = form.current!;
    const ask = ++asked.current;
    const many = m.communes.length > 1;
    try {
      const q = periodQuery(f);
      const rq = new URLSearchParams(q);
      rq.set('area', f.area.value);
      const code = commune.current;
      const [lib, ranking, detail] = await Promise.all([
        loadUplot(),
        many ? api<RankingAnswer>('GET', `/api/satisfaction/ranking?${rq}`) : null,
        code ? api<CommuneAnswer>('GET', `/api/satisfaction/commune/${encodeURIComponent(code)}?${q}`) : null,
      ]);
      if (ask !== asked.current) return;
      setUplot(() => lib);
      setShown({ ranking, commune: detail, error: null, at: performance.now() });
    } catch (e) {
      if (ask !== asked.current) return;
      const error = (e as Error).message;
      say(error);
      setShown((s) => ({ ranking: s?.ranking ?? null, commune: s?.commune ?? null, error, at: performance.now() }));
    }
  };

  useEffect(
    guard(async () => {
      const m = await api<SatisfactionAreas>('GET', '/api/satisfaction/areas');
      commune.current = m.communes.length === 1 ? m.communes[0]!.code : null;
      setMeta(m);
    }),
    [],
  );
  // the first figures once the controls are drawn
  useEffect(() => void (meta && refresh(meta)), [meta]);
  // after the figures are in the page (charts included: children's layout effects run first)
  useLayoutEffect(() => {
    const s = section.current;
    if (!s || !shown) return;
    if (shown.error) s.dataset.error = shown.error;
    else s.removeAttribute('data-error');
    s.dataset.ready = String(shown.at);
  }, [shown]);

  const changed = (ev: Event) => {
    const f = form.current!;
    setCustom(f.period.value === 'custom');
    if ((ev.target as HTMLElement).getAttribute('name') === 'commune') commune.current = f.commune.value;
    if (meta) void refresh(meta);
  };
  const pick = (code: string) => {
    commune.current = code;
    form.current!.commune.value = code;
    if (meta) void refresh(meta);
  };
  const many = !!meta && meta.communes.length > 1;
  const width = Math.max(280, Math.min(900, (section.current?.clientWidth ?? 900) - 40));
  return (
    <section id="satisfaction-view" class="view" ref={section}>
      <h2>Mức độ hài lòng</h2>
      {meta && (
        <form id="sat-controls" class="controls" ref={form} onChange={changed} onSubmit={(e) => e.preventDefault()}>
          <Field label="Địa bàn" hidden={meta.areas.length === 0 || meta.communes.length <= 1}>
            <select name="area">
              {meta.areas.map((a) => (
                <option key={a.code} value={a.code}>
                  {a.name}
                </option>
              ))}
            </select>
          </Field>
          <Field label="Xã/phường">
            <select name="commune">
              {meta.communes.map((c) => (
                <option key={c.code} value={c.code}>
                  {c.name}
                </option>
              ))}
            </select>
          </Field>
          <Field label="Kỳ">
            <select name="period">
              {meta.periods.map((p) => (
                <option key={p.kind} value={p.kind} selected={p.kind === 'month'}>
                  {p.label}
                </option>
              ))}
            </select>
          </Field>
          <Field label="Từ ngày" class="custom" hidden={!custom}>
            <DateField name="from" kind="date" placeholder="dd/mm/yyyy" />
          </Field>
          <Field label="Đến ngày" class="custom" hidden={!custom}>
            <DateField name="to" kind="date" placeholder="dd/mm/yyyy" />
          </Field>
        </form>
      )}
      <div id="sat-ranking" hidden={!many}>
        {many && shown?.ranking && <Ranking r={shown.ranking} onPick={pick} />}
      </div>
      <div id="sat-commune">
        {meta && uPlot && shown?.commune && (
          <CommuneFigures d={shown.commune} labels={meta} uPlot={uPlot} width={width} />
        )}
      </div>
      <div id="sat-deployment">{shown?.commune && <DeploymentForm commune={shown.commune.code} />}</div>
      {many && shown?.ranking && <ReportForm r={shown.ranking} />}
    </section>
  );
}
