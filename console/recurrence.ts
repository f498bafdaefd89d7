import { Cron } from 'croner';
import { VN_ZONE } from '../devices/time/vietnam.ts';
import type { Schedule } from './model.ts';

/**
 * Recurrence expansion in Vietnam time with croner (a kept library rather than hand-written recurrence
 * rules); the results are UTC instants for the wire. Dates are inclusive on both ends.
 */

export { isDate, isDateTime, isTime } from './api/calendar.ts';

/** the calendar day after `date` (YYYY-MM-DD), for an exclusive stopAt */
export function nextDay(date: string): string {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
}

export function daysBetween(from: string, to: string): number {
  return (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000;
}

function cronFor(schedule: Exclude<Schedule, { kind: 'immediate' }>): Cron {
  const common = { timezone: VN_ZONE, paused: true } as const;
  if (schedule.kind === 'once') return new Cron(`${schedule.at}:00`, common);
  const [hh, mm] = schedule.time.split(':').map(Number);
  // ISO weekdays 1 = Monday … 7 = Sunday; croner takes 0–7 with both 0 and 7 meaning Sunday
  const dow = schedule.kind === 'daily' ? '*' : [...new Set(schedule.weekdays)].sort().join(',');
  return new Cron(`0 ${mm} ${hh} * * ${dow}`, {
    ...common,
    startAt: `${schedule.from}T00:00:00`,
    stopAt: `${nextDay(schedule.to)}T00:00:00`,
  });
}

/** Occurrence starts in [from, to) as UTC ISO strings, at most `max`. */
export function expand(schedule: Schedule, from: number, to: number, max = 2000): string[] {
  if (schedule.kind === 'immediate') {
    const at = Date.parse(schedule.at);
    return at >= from && at < to ? [new Date(at).toISOString()] : [];
  }
  const cron = cronFor(schedule);
  const out: string[] = [];
  // croner's nextRun(prev) is strictly after prev; step back one second so an occurrence exactly at `from` counts
  let prev = new Date(from - 1000);
  while (out.length < max) {
    const next = cron.nextRun(prev);
    if (!next || next.getTime() >= to) break;
    if (next.getTime() >= from) out.push(next.toISOString());
    prev = next;
  }
  return out;
}

/** the last instant the schedule can play (exclusive end of its window), UTC ms */
export function scheduleEnd(schedule: Schedule): number {
  if (schedule.kind === 'immediate') return Date.parse(schedule.at) + 1;
  if (schedule.kind === 'once') return (cronFor(schedule).nextRun(new Date(0))?.getTime() ?? 0) + 1;
  return (
    new Cron(`${nextDay(schedule.to)}T00:00:00`, { timezone: VN_ZONE, paused: true }).nextRun(new Date(0))?.getTime() ??
    0
  );
}
