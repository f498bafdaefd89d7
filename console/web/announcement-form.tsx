import { useEffect, useRef, useState } from 'preact/hooks';
import type { AnnouncementDetail, AnnouncementEnvelope, AnnouncementRequest } from '../api/announcement.ts';
import type { AudioEnvelope } from '../api/audio.ts';
import { api, guard, say } from './api.ts';
import { writePicker } from './dates.ts';
import { readSchedule, ScheduleFields, type ScheduleKind } from './schedule-fields.tsx';
import { Recorder } from './recorder.tsx';
import { checkedValues, Field, HamletBoxes, setChecked, type Hamlet } from './ui.tsx';

type Kind = ScheduleKind;

export type FormProps = {
  hamlets: Hamlet[];
  /** the announcement being changed (absent: a new one) */
  editing: AnnouncementDetail | null;
  /** the quiet-hours policy in words, shown beside the schedule */
  policy: string;
  onSaved(id: string): void;
};

/** "Tạo thông báo" / "Sửa thông báo": what staff prepare, sent as the API's AnnouncementRequest. */
export function AnnouncementForm(props: FormProps) {
  const form = useRef<HTMLFormElement>(null);
  const [kind, setKind] = useState<Kind>('once');
  const [source, setSource] = useState<'text' | 'audio'>('text');
  const [all, setAll] = useState(true);
  const [audio, setAudio] = useState<string | undefined>();
  const a = props.editing;

  useEffect(() => {
    const f = form.current!;
    f.reset();
    setAudio(a && !a.text ? a.audio.sha256 : undefined);
    setSource(a && !a.text ? 'audio' : 'text');
    setAll(!a || a.hamlets === 'all');
    if (!a) return setKind('once');
    const s = a.schedule.kind === 'immediate' ? { kind: 'once' as const, at: '' } : a.schedule;
    setKind(s.kind);
    (f.elements.namedItem('title') as HTMLInputElement).value = a.title;
    (f.elements.namedItem('text') as HTMLTextAreaElement).value = a.text ?? '';
    const field = (n: string) => f.elements.namedItem(n) as HTMLInputElement;
    if (s.kind === 'once') writePicker(field('at'), 'datetime', s.at);
    else {
      writePicker(field('time'), 'time', s.time);
      writePicker(field('from'), 'date', s.from);
      writePicker(field('to'), 'date', s.to);
      setChecked(f, 'weekday', s.kind === 'weekly' ? s.weekdays.map(String) : []);
    }
    setChecked(f, 'hamlet', a.hamlets === 'all' ? [] : a.hamlets);
    field('repeats').value = String(a.repeats);
    field('volume').value = String(a.volume);
    (f.elements.namedItem('priority') as HTMLSelectElement).value = a.priority;
  }, [a]);

  const submit = async (ev: Event) => {
    ev.preventDefault();
    const f = form.current!;
    const field = (n: string) => f.elements.namedItem(n) as HTMLInputElement;
    let sha = audio;
    const file = field('file').files?.[0];
    if (source === 'audio' && file) {
      const fd = new FormData();
      fd.append('file', file);
      sha = (await api<AudioEnvelope>('POST', '/api/audio', fd)).id;
    }
    const schedule = readSchedule(f, kind);
    // what is sent is checked by the server against the same schema; a mistyped date comes back with its reason
    const body = {
      title: field('title').value,
      ...(source === 'text' ? { text: (f.elements.namedItem('text') as HTMLTextAreaElement).value } : { audio: sha }),
      hamlets: all ? 'all' : checkedValues(f, 'hamlet'),
      schedule,
      repeats: Number(field('repeats').value),
      volume: Number(field('volume').value),
      priority: (f.elements.namedItem('priority') as HTMLSelectElement).value,
    } as AnnouncementRequest;
    const saved = a
      ? await api<AnnouncementEnvelope>('PUT', `/api/announcements/${a.id}`, body)
      : await api<AnnouncementEnvelope>('POST', '/api/announcements', body);
    say('Đã lưu bản nháp. Gửi lãnh đạo xã duyệt để phát.', true);
    f.reset();
    props.onSaved(saved.id);
  };

  const heading = !a
    ? 'Tạo thông báo'
    : a.status === 'approved'
      ? 'Sửa thông báo (bản sửa chờ duyệt; bản đã duyệt vẫn phát đến khi bản sửa được duyệt)'
      : 'Sửa thông báo';
  return (
    <>
      <h2 id="form-heading">{heading}</h2>
      <p id="form-policy" class="note">
        {props.policy}
      </p>
      <p class="req-note">
        Các mục có dấu <span class="req-mark">*</span> là bắt buộc.
      </p>
      <form id="ann-form" ref={form} onSubmit={guard(submit)}>
        <Field label="Tiêu đề" required>
          <input name="title" maxLength={300} required />
        </Field>
        <fieldset>
          <legend class="req">Nội dung</legend>
          <label>
            <input
              type="radio"
              name="source"
              value="text"
              checked={source === 'text'}
              onChange={() => setSource('text')}
            />{' '}
            Văn bản đọc tự động (tiếng Việt)
          </label>
          <label>
            <input
              type="radio"
              name="source"
              value="audio"
              checked={source === 'audio'}
              onChange={() => setSource('audio')}
            />{' '}
            Tệp âm thanh (MP3/WAV)
          </label>
          <textarea name="text" rows={5} placeholder="Nội dung cần đọc trên loa" hidden={source !== 'text'} />
          <input type="file" name="file" accept=".mp3,.wav,audio/mpeg,audio/wav" hidden={source !== 'audio'} />
          <Recorder
            hidden={source !== 'audio'}
            onSaved={(sha) => {
              setAudio(sha);
              (form.current!.elements.namedItem('file') as HTMLInputElement).value = '';
            }}
          />
        </fieldset>
        <fieldset>
          <legend class="req">Thôn/ấp nhận</legend>
          <HamletBoxes hamlets={props.hamlets} id="hamlet-boxes" all={all} onAll={setAll} />
        </fieldset>
        <div id="schedule-part">
          <ScheduleFields kind={kind} onKind={setKind} />
        </div>
        <Field label="Số lần lặp mỗi lượt">
          <input type="number" name="repeats" min={1} max={10} defaultValue="1" />
        </Field>
        <Field label="Âm lượng (0–100)">
          <input type="number" name="volume" min={0} max={100} defaultValue="80" />
        </Field>
        <Field label="Mức ưu tiên">
          <select name="priority">
            <option value="normal">Thông thường</option>
            <option value="priority">Ưu tiên</option>
            <option value="emergency">Khẩn cấp</option>
          </select>
        </Field>
        <button type="submit">Lưu bản nháp</button>
      </form>
    </>
  );
}
