/** One row of a benchmark's results: what is measured, this run's figure, the target, and the verdict. */
export type TargetRow = [measure: string, thisRun: string, target: string, verdict: string];

export const verdict = (ok: boolean) => (ok ? 'met' : '**missed**');

/** The Markdown table a benchmark prints and records: measure, this run, target, verdict. */
export function targetsTable(rows: TargetRow[]): string {
  return [
    '| measure | this run | target | |',
    '| --- | --- | --- | --- |',
    ...rows.map((x) => `| ${x.join(' | ')} |`),
  ].join('\n');
}
