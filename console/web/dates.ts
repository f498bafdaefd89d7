import flatpickrImport from 'flatpickr';
import type { FlatpickrFn, Instance } from 'flatpickr/dist/types/instance.d.ts';
import { Vietnamese } from 'flatpickr/dist/l10n/vn.js';

/**
 * Date and time fields shown and typed as dd/mm/yyyy and 24-hour time whatever the browser's locale
 * (flatpickr with its Vietnamese locale, bundled). The API keeps the ISO forms.
 */
export type PickerKind = 'date' | 'time' | 'datetime';
// the package's typings describe its CommonJS build; the bundler takes its ES module, whose default is the function
const flatpickr = flatpickrImport as unknown as FlatpickrFn;
const FORMATS: Record<PickerKind, string> = { date: 'd/m/Y', time: 'H:i', datetime: 'd/m/Y H:i' };
const pad = (n: string | number) => String(n).padStart(2, '0');
const DATE = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/;
const TIME = /^(\d{1,2}):(\d{2})$/;

export function attachPicker(input: HTMLInputElement, kind: PickerKind): () => void {
  const fp = flatpickr(input, {
    locale: Vietnamese,
    allowInput: true,
    time_24hr: true,
    disableMobile: true,
    enableTime: kind !== 'date',
    noCalendar: kind === 'time',
    dateFormat: FORMATS[kind],
  });
  return () => fp.destroy();
}

function isoDate(text: string): string | undefined {
  const m = DATE.exec(text);
  return m ? `${m[3]}-${pad(m[2]!)}-${pad(m[1]!)}` : undefined;
}

function isoTime(text: string): string | undefined {
  const m = TIME.exec(text);
  return m && Number(m[1]) < 24 ? `${pad(m[1]!)}:${m[2]}` : undefined;
}

/** the field in the API's form; '' when blank; the text itself when unreadable (the server says why) */
export function readPicker(input: HTMLInputElement, kind: PickerKind): string {
  const text = input.value.trim().replace(/\s+/g, ' ');
  if (!text) return '';
  if (kind === 'date') return isoDate(text) ?? text;
  if (kind === 'time') return isoTime(text) ?? text;
  const [d, t] = text.split(' ');
  const date = isoDate(d ?? '');
  const time = isoTime(t ?? '');
  return date && time ? `${date}T${time}` : text;
}

/** an API value put into the field, shown the Vietnamese way */
export function writePicker(input: HTMLInputElement, kind: PickerKind, value: string | undefined): void {
  let shown = value ?? '';
  const dm = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}:\d{2}))?$/.exec(shown);
  if (dm) shown = `${dm[3]}/${dm[2]}/${dm[1]}${dm[4] ? ` ${dm[4]}` : ''}`;
  const fp = (input as HTMLInputElement & { _flatpickr?: Instance })._flatpickr;
  if (fp) fp.setDate(shown, false, FORMATS[kind]);
  else input.value = shown;
}

/** an instant shown in Vietnam time, dd/mm/yyyy HH:mm, whatever the browser's locale */
export { vnInstant as fmtTime } from '../api/calendar.ts';
