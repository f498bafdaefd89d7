import type { Decision766 } from './figures.ts';

/**
 * The service index of Decision 766/QĐ-TTg (23/6/2022), "mức độ hài lòng" component, per commune and period:
 *
 *   figure = 100% − (% dossiers returned late + % dossiers with a complaint or a "Không hài lòng" rating)
 *
 * The dossiers counted are those received in the period (received ∈ [from, to)). A dossier is late when it
 * was returned after its due time, or is still not returned while its due time has passed (by the period's
 * end, or now if earlier). A dossier counts in the second share when the one-stop software recorded a
 * complaint for it or a rating bound to it is "Không hài lòng". A dossier both late and complained about
 * counts in both shares, as the formula adds them; the figure may then fall below 0 and is shown as computed.
 * Null when no dossier was received in the period.
 */
export type DossierFacts = {
  number: string;
  receivedAt: number;
  dueAt: number | null;
  returnedAt: number | null;
  complaint: boolean;
};
export type { Decision766 } from './figures.ts';

export const DECISION_766_DEFINITION =
  'Chỉ số theo Quyết định 766/QĐ-TTg = 100% − (% hồ sơ trả kết quả trễ hạn + % hồ sơ có phản ánh, kiến nghị hoặc được đánh giá "Không hài lòng"), ' +
  'tính trên các hồ sơ tiếp nhận trong kỳ. Hồ sơ trễ hạn: trả sau hạn, hoặc quá hạn mà chưa trả.';
export const SIPAS_DEFINITION =
  'Tỷ lệ hài lòng (theo phương pháp SIPAS) = số lượt "Hài lòng" và "Rất hài lòng" / tổng số lượt đánh giá × 100%.';

export function decision766(
  dossiers: readonly DossierFacts[],
  unsatisfied: ReadonlySet<string>,
  period: { from: number; to: number },
  now: number,
): Decision766 {
  const inPeriod = dossiers.filter((d) => d.receivedAt >= period.from && d.receivedAt < period.to);
  const cutoff = Math.min(now, period.to);
  let late = 0;
  let bad = 0;
  for (const d of inPeriod) {
    if (d.dueAt !== null && (d.returnedAt !== null ? d.returnedAt > d.dueAt : d.dueAt < cutoff)) late++;
    if (d.complaint || unsatisfied.has(d.number)) bad++;
  }
  const n = inPeriod.length;
  if (n === 0)
    return { dossiers: 0, late, complainedOrUnsatisfied: bad, latePct: null, complaintPct: null, figure: null };
  const latePct = (100 * late) / n;
  const complaintPct = (100 * bad) / n;
  return {
    dossiers: n,
    late,
    complainedOrUnsatisfied: bad,
    latePct,
    complaintPct,
    figure: 100 - (latePct + complaintPct),
  };
}
