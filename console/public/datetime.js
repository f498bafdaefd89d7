// Date and time fields shown and typed as dd/mm/yyyy and 24-hour time whatever the browser's locale
// (flatpickr with its Vietnamese locale, served by the console from node_modules). The API keeps ISO forms.
const pad = (n) => String(n).padStart(2, '0');
const DATE = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/;
const TIME = /^(\d{1,2}):(\d{2})$/;
const FORMATS = { date: 'd/m/Y', time: 'H:i', datetime: 'd/m/Y H:i' };

export function attachPickers(root) {
  const fp = window.flatpickr;
  for (const input of root.querySelectorAll('input[data-picker]')) {
    const kind = input.dataset.picker;
    if (!fp) continue; // the typed text still works without the calendar
    fp(input, {
      locale: fp.l10ns.vn, allowInput: true, time_24hr: true, disableMobile: true,
      enableTime: kind !== 'date', noCalendar: kind === 'time', dateFormat: FORMATS[kind],
    });
  }
}

function isoDate(text) {
  const m = DATE.exec(text);
  return m ? `${m[3]}-${pad(m[2])}-${pad(m[1])}` : undefined;
}

function isoTime(text) {
  const m = TIME.exec(text);
  return m && Number(m[1]) < 24 ? `${pad(m[1])}:${m[2]}` : undefined;
}

/** the field in the API's form ('YYYY-MM-DD', 'HH:mm', 'YYYY-MM-DDTHH:mm'); '' when blank; the text itself when unreadable (the server says why) */
export function readPicker(input) {
  const text = input.value.trim().replace(/\s+/g, ' ');
  if (!text) return '';
  const kind = input.dataset.picker;
  if (kind === 'date') return isoDate(text) ?? text;
  if (kind === 'time') return isoTime(text) ?? text;
  const [d, t] = text.split(' ');
  const date = isoDate(d ?? '');
  const time = isoTime(t ?? '');
  return date && time ? `${date}T${time}` : text;
}

/** put an API value ('YYYY-MM-DD', 'HH:mm', 'YYYY-MM-DDTHH:mm') into the field, shown the Vietnamese way */
export function writePicker(input, value) {
  let shown = value ?? '';
  const dm = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}:\d{2}))?$/.exec(shown);
  if (dm) shown = `${dm[3]}/${dm[2]}/${dm[1]}${dm[4] ? ` ${dm[4]}` : ''}`;
  if (input._flatpickr) input._flatpickr.setDate(shown, false, FORMATS[input.dataset.picker]);
  else input.value = shown;
}
