import { useRef } from 'preact/hooks';

/**
 * A figures table with a caption and a "Tải CSV" button that downloads what the table shows. Rows are cells
 * of text, or {text, cls, title, data} for a coloured or annotated cell.
 */
export type Cell = string | number | { text: string; cls?: string; title?: string; data?: Record<string, string> };
export type Row = { cells: Cell[]; key?: string; onClick?: () => void; data?: Record<string, string> };

const dataAttrs = (data?: Record<string, string>) =>
  Object.fromEntries(Object.entries(data ?? {}).map(([k, v]) => [`data-${k}`, v]));

/** The table as shown (header + body), as CSV in UTF-8 with a BOM so spreadsheet programs read the diacritics. */
export function tableCsv(t: HTMLTableElement): string {
  const quote = (s: string) => (/[",\n;]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const lines = [...t.querySelectorAll('thead tr, tbody tr')].map((tr) =>
    [...tr.children].map((c) => quote((c.textContent ?? '').trim())).join(','),
  );
  return `\ufeff${lines.join('\r\n')}\r\n`;
}

function download(t: HTMLTableElement, name: string): void {
  const a = Object.assign(document.createElement('a'), {
    href: URL.createObjectURL(new Blob([tableCsv(t)], { type: 'text/csv;charset=utf-8' })),
    download: name,
  });
  document.body.append(a);
  a.click();
  a.remove();
}

export function DataTable(props: { id: string; caption: string; head: string[]; rows: Row[] }) {
  const ref = useRef<HTMLTableElement>(null);
  const cell = (c: Cell, i: number) =>
    typeof c === 'object' ? (
      <td key={i} class={c.cls || undefined} title={c.title || undefined} {...dataAttrs(c.data)}>
        {c.text}
      </td>
    ) : (
      <td key={i}>{String(c)}</td>
    );
  return (
    <div class="table-wrap">
      <table id={props.id} class="sat-table" ref={ref}>
        <caption>
          {props.caption}{' '}
          <button type="button" class="csv" onClick={() => ref.current && download(ref.current, `${props.id}.csv`)}>
            Tải CSV
          </button>
        </caption>
        <thead>
          <tr>
            {props.head.map((h) => (
              <th key={h}>{h}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.rows.map((r, i) => (
            <tr key={r.key ?? i} class={r.onClick ? 'clickable' : undefined} onClick={r.onClick} {...dataAttrs(r.data)}>
              {r.cells.map(cell)}
            </tr>
          ))}
          {!props.rows.length && (
            <tr>
              <td colSpan={props.head.length}>Chưa có dữ liệu trong kỳ này.</td>
            </tr>
          )}
        </tbody>
      </table>
    </div>
  );
}

/** numbers the Vietnamese way: 1.234,5 */
export const num = (x: number | null | undefined, d = 1): string =>
  x === null || x === undefined
    ? '–'
    : x.toLocaleString('vi-VN', { minimumFractionDigits: d, maximumFractionDigits: d });
export const int = (x: number | null | undefined): string => (x ?? 0).toLocaleString('vi-VN');
export const pct = (f: number): string => `${num(f * 100)} %`;
export const signed = (x: number | null): string => (x === null ? '–' : `${x > 0 ? '+' : ''}${num(x)}`);
