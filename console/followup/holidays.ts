import { DAY_MS, vnDate, vnDayStart } from '../../devices/time/vietnam.ts';
import { ConsoleError } from '../errors.ts';

/**
 * Vietnamese public holidays as days off for state offices (Labour Code 2019, art. 112): New Year (1/1),
 * Tết Nguyên đán (lunar new year, 5 days), Hùng Kings' day (10/3 lunar), 30/4, 1/5, National Day 2/9 plus one
 * adjacent day. Lunar dates move, and each year the government announces the exact days off (with
 * compensatory days when a holiday falls on a weekend, and Saturdays swapped to working days), so this is a
 * data table per year, not a formula. Years outside the table are refused: a deadline is never guessed.
 *
 * Per year: the solar date of Tết (1/1 lunar) and of Hùng Kings' day (10/3 lunar) for reference; `off`:
 * the weekdays that are days off; `work`: weekend days made working days by a swap.
 * Sources: the Prime Minister's / Ministry of Home Affairs' yearly notices on holidays for civil servants.
 * Add a year here when its notice is published (usually in the autumn before).
 */
/** provisional: computed from the lunar calendar before the year's notice; replace with the notice's days */
export type HolidayYear = {
  tet: string;
  hungKings: string;
  off: readonly string[];
  work: readonly string[];
  provisional?: boolean;
};

export const HOLIDAYS: Readonly<Record<number, HolidayYear>> = {
  2025: {
    tet: '2025-01-29',
    hungKings: '2025-04-07',
    off: [
      '2025-01-01',
      '2025-01-27',
      '2025-01-28',
      '2025-01-29',
      '2025-01-30',
      '2025-01-31',
      '2025-04-07',
      '2025-04-30',
      '2025-05-01',
      '2025-05-02',
      '2025-09-01',
      '2025-09-02',
    ],
    work: ['2025-04-26'], // Saturday worked in exchange for Friday 2/5
  },
  2026: {
    tet: '2026-02-17',
    hungKings: '2026-04-26',
    // Hùng Kings' day falls on a Sunday: compensated on Monday 27/4
    off: [
      '2026-01-01',
      '2026-02-16',
      '2026-02-17',
      '2026-02-18',
      '2026-02-19',
      '2026-02-20',
      '2026-04-27',
      '2026-04-30',
      '2026-05-01',
      '2026-09-01',
      '2026-09-02',
    ],
    work: [],
  },
  2027: {
    tet: '2027-02-06',
    hungKings: '2027-04-16',
    // Tết falls on a Saturday: 5 days off on the working days around it (the notice may still swap days)
    off: [
      '2027-01-01',
      '2027-02-04',
      '2027-02-05',
      '2027-02-08',
      '2027-02-09',
      '2027-02-10',
      '2027-04-16',
      '2027-04-30',
      '2027-05-03',
      '2027-09-02',
      '2027-09-03',
    ],
    work: [],
    provisional: true,
  },
};

export const HOLIDAY_YEARS = Object.keys(HOLIDAYS)
  .map(Number)
  .sort((a, b) => a - b);

export function isWorkingDay(date: string, table: Readonly<Record<number, HolidayYear>> = HOLIDAYS): boolean {
  const year = table[Number(date.slice(0, 4))];
  if (!year) {
    const years = Object.keys(table).map(Number);
    throw new ConsoleError(
      'HOLIDAYS_NOT_COVERED',
      `Năm ${date.slice(0, 4)} ngoài bảng (có các năm ${Math.min(...years)}–${Math.max(...years)}).`,
    );
  }
  if (year.work.includes(date)) return true;
  const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
  return weekday !== 0 && weekday !== 6 && !year.off.includes(date);
}

/**
 * The deadline `workingDays` working days after `from`: the day of opening does not count, the deadline is the
 * end of the last working day (Vietnam midnight after it, as a UTC instant).
 */
export function workingDeadline(
  from: number,
  workingDays: number,
  table: Readonly<Record<number, HolidayYear>> = HOLIDAYS,
): number {
  let day = vnDayStart(from);
  for (let left = workingDays; left > 0; ) {
    day += DAY_MS;
    if (isWorkingDay(vnDate(day), table)) left--;
  }
  return day + DAY_MS;
}
