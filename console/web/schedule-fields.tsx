import type { ScheduleRequest } from '../api/announcement.ts';
import { readPicker } from './dates.ts';
import { checkedValues, DateField, Field } from './ui.tsx';

export const WEEKDAYS = ['Thứ Hai', 'Thứ Ba', 'Thứ Tư', 'Thứ Năm', 'Thứ Sáu', 'Thứ Bảy', 'Chủ nhật'];
export type ScheduleKind = ScheduleRequest['kind'];

/** once / daily / weekly in Vietnam time, dd/mm/yyyy and 24-hour; the form's fields at, time, from, to, weekday */
export function ScheduleFields(props: { kind: ScheduleKind; onKind(k: ScheduleKind): void }) {
  const { kind } = props;
  return (
    <fieldset>
      <legend class="req">Lịch phát (giờ Việt Nam)</legend>
      <select name="kind" value={kind} onChange={(e) => props.onKind(e.currentTarget.value as ScheduleKind)}>
        <option value="once">Một lần</option>
        <option value="daily">Hằng ngày</option>
        <option value="weekly">Hằng tuần</option>
      </select>
      <Field label="Ngày giờ" required class="once" hidden={kind !== 'once'}>
        <DateField name="at" kind="datetime" placeholder="dd/mm/yyyy hh:mm" />
      </Field>
      <Field label="Giờ phát" required class="recurring" hidden={kind === 'once'}>
        <DateField name="time" kind="time" placeholder="hh:mm (24 giờ)" />
      </Field>
      <Field label="Từ ngày" required class="recurring" hidden={kind === 'once'}>
        <DateField name="from" kind="date" placeholder="dd/mm/yyyy" />
      </Field>
      <Field label="Đến ngày" required class="recurring" hidden={kind === 'once'}>
        <DateField name="to" kind="date" placeholder="dd/mm/yyyy" />
      </Field>
      <div class="weekly weekday-boxes" hidden={kind !== 'weekly'}>
        {WEEKDAYS.map((d, i) => (
          <label key={d}>
            <input type="checkbox" name="weekday" value={String(i + 1)} /> {d}
          </label>
        ))}
      </div>
    </fieldset>
  );
}

/** the schedule as the API takes it; an unreadable date goes as typed and the server says why */
export function readSchedule(f: HTMLFormElement, kind: ScheduleKind): ScheduleRequest {
  const field = (n: string) => f.elements.namedItem(n) as HTMLInputElement;
  if (kind === 'once') return { kind, at: readPicker(field('at'), 'datetime') };
  const common = {
    time: readPicker(field('time'), 'time'),
    from: readPicker(field('from'), 'date'),
    to: readPicker(field('to'), 'date'),
  };
  return kind === 'daily'
    ? { kind, ...common }
    : { kind, ...common, weekdays: checkedValues(f, 'weekday').map(Number) };
}
