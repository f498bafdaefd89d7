import { useState } from 'preact/hooks';
import type { FiguresAnswer, OfficerFigures } from '../api/dossier.ts';
import { api, guard, say } from './api.ts';

/**
 * The dossier part of "Hồ sơ & theo dõi": import of the one-stop software's list (bad cells listed by row and
 * column), the Decision 766 figure beside the SIPAS share with their definitions, and per-officer figures for
 * the commune's leader.
 */
export type Period = { commune: string; from: string; to: string };

/** this month's figures; the officers' only for the commune's leader (null for anyone else or on refusal) */
export async function loadFigures(
  p: Period,
  leader: boolean,
): Promise<{ fig: FiguresAnswer | null; officers: OfficerFigures | null }> {
  const q = new URLSearchParams(p);
  const [fig, officers] = await Promise.all([
    api<FiguresAnswer>('GET', `/api/dossiers/figures?${q}`).catch((e: Error) => (say(e.message), null)),
    leader ? api<OfficerFigures>('GET', `/api/officers/figures?${q}`).catch(() => null) : null,
  ]);
  return { fig, officers };
}
const pct = (v: number | null | undefined) =>
  v === null || v === undefined ? '—' : `${(Math.round(v * 10) / 10).toLocaleString('vi-VN')} %`;
const dmy = (iso: string) => iso.split('-').reverse().join('/');
type CellError = { row: number; column?: string; message: string };

export function DossierImport(props: { onImported(): void }) {
  const [errors, setErrors] = useState<CellError[]>([]);
  const upload = async (ev: Event) => {
    const file = (ev.currentTarget as HTMLElement).parentElement!.querySelector<HTMLInputElement>('input[type=file]')!;
    setErrors([]);
    if (!file.files?.[0]) return say('Chưa chọn tệp.');
    const form = new FormData();
    form.append('file', file.files[0]);
    const res = await fetch('/api/dossiers/import', { method: 'POST', body: form, credentials: 'same-origin' });
    const body = await res.json();
    if (!res.ok) {
      say(body.error.message);
      setErrors(body.error.rows ?? []);
      return;
    }
    say(`Đã nhập ${body.imported} hồ sơ.`, true);
    props.onImported();
  };
  return (
    <div>
      <h3>Nhập danh sách hồ sơ (Excel hoặc CSV)</h3>
      <input type="file" accept=".xlsx,.csv" />
      <button type="button" onClick={guard(upload)}>
        Nhập danh sách hồ sơ
      </button>
      <ul class="import-errors">
        {errors.map((r) => (
          <li key={`${r.row}-${r.column}`}>{`Dòng ${r.row}${r.column ? `, cột ${r.column}` : ''}: ${r.message}`}</li>
        ))}
      </ul>
    </div>
  );
}

export function DossierFigures(props: { period: Period; fig: FiguresAnswer | null; officers: OfficerFigures | null }) {
  const { from, to } = props.period;
  const { fig, officers } = props;
  return (
    <>
      {fig && (
        <>
          <h3>{`Chỉ số từ ${dmy(from)} đến ${dmy(to)}`}</h3>
          <p>
            <strong>{`Chỉ số theo Quyết định 766: ${pct(fig.decision766.figure)}`}</strong>
            {` (${fig.decision766.dossiers} hồ sơ, ${fig.decision766.late} trễ hạn, ${fig.decision766.complainedOrUnsatisfied} có phản ánh/không hài lòng)`}
          </p>
          <p class="definition">{fig.decision766.definition}</p>
          <p>
            <strong>{`Tỷ lệ hài lòng (SIPAS): ${pct(fig.sipas.index)}`}</strong>
            {` (${fig.sipas.n} lượt đánh giá)`}
          </p>
          <p class="definition">{fig.sipas.definition}</p>
        </>
      )}
      {officers && (
        <>
          <h3>Theo cán bộ trực (chỉ lãnh đạo xã xem)</h3>
          <table>
            <thead>
              <tr>
                <th>Cán bộ</th>
                <th>Lượt đánh giá</th>
                <th>Hài lòng</th>
              </tr>
            </thead>
            <tbody>
              {officers.items.map((o) => (
                <tr key={o.code ?? '-'}>
                  <td>{o.name ? `${o.name} (${o.code ?? ''})` : o.code}</td>
                  <td>{String(o.n)}</td>
                  <td>{pct(o.index)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </>
  );
}
