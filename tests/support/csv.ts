/** RFC 4180 CSV → rows of cells (quoted cells may hold commas and doubled quotes; a leading BOM is skipped). */
export function csvRows(text: string): string[][] {
  const rows: string[][] = [[]];
  let cell = '';
  let quoted = false;
  const t = text.replace(/^\uFEFF/, '');
  for (let i = 0; i < t.length; i++) {
    const ch = t[i];
    if (quoted) {
      if (ch === '"' && t[i + 1] === '"') (cell += '"'), i++;
      else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') rows.at(-1)!.push(cell), (cell = '');
    else if (ch === '\r' && t[i + 1] === '\n') rows.at(-1)!.push(cell), (cell = ''), rows.push([]), i++;
    else cell += ch;
  }
  return rows.filter((r) => r.length > 0);
}
