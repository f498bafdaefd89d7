import { useEffect, useRef, useState } from 'preact/hooks';
import type { AnnouncementDetail, AnnouncementEnvelope, EmergencyRequest } from '../api/announcement.ts';
import { api, guard, say, type Me } from './api.ts';
import { checkedValues, Field, HamletBoxes, setChecked, type Hamlet } from './ui.tsx';

/** "Phát khẩn cấp": a leader's emergency, approved and broadcast at once; or a new text for one on the air. */
export function EmergencyForm(props: {
  me: Me;
  hamlets: Hamlet[];
  replaces: AnnouncementDetail | null;
  onSent(id: string): void;
}) {
  // a province (or district) leader chooses the communes; a commune leader broadcasts to their own
  const upper = props.me.level === 'province' || props.me.level === 'district';
  const [allCommunes, setAllCommunes] = useState(true);
  const form = useRef<HTMLFormElement>(null);
  const [all, setAll] = useState(true);
  const r = props.replaces;
  useEffect(() => {
    const f = form.current!;
    f.reset();
    setAll(!r || r.hamlets === 'all');
    setAllCommunes(!r?.targets || r.targets === 'all');
    if (!r) return;
    setChecked(f, 'commune', r.targets && r.targets !== 'all' ? r.targets : []);
    (f.elements.namedItem('title') as HTMLInputElement).value = r.title;
    (f.elements.namedItem('text') as HTMLTextAreaElement).value = r.text ?? '';
    setChecked(f, 'hamlet', r.hamlets === 'all' ? [] : r.hamlets);
  }, [r]);

  const submit = async (ev: Event) => {
    ev.preventDefault();
    if (
      !window.confirm(
        r ? 'Phát ngay nội dung khẩn cấp mới thay cho thông báo đang phát?' : 'Phát thông báo khẩn cấp ngay bây giờ?',
      )
    )
      return;
    const f = form.current!;
    const body = {
      title: (f.elements.namedItem('title') as HTMLInputElement).value,
      text: (f.elements.namedItem('text') as HTMLTextAreaElement).value,
      hamlets: all ? 'all' : checkedValues(f, 'hamlet'),
      ...(upper ? { communes: allCommunes ? 'all' : checkedValues(f, 'commune') } : {}),
    } as EmergencyRequest;
    const res = r
      ? await api<AnnouncementEnvelope>('PUT', `/api/announcements/${r.id}`, body)
      : await api<AnnouncementEnvelope>('POST', '/api/emergency', body);
    say('Đã phát khẩn cấp.', true);
    f.reset();
    props.onSent(res.id);
  };

  return (
    <>
      <h2>Phát khẩn cấp</h2>
      <p>Thông báo khẩn cấp được duyệt và phát ngay lập tức trên các loa đã chọn.</p>
      <form id="emergency-form" ref={form} onSubmit={guard(submit)}>
        <Field label="Tiêu đề" required>
          <input name="title" maxLength={300} required />
        </Field>
        <Field label="Nội dung" required>
          <textarea name="text" rows={4} required />
        </Field>
        {upper && (
          <fieldset id="emergency-communes">
            <legend class="req">Xã/phường nhận</legend>
            <label>
              <input
                type="checkbox"
                name="all-communes"
                checked={allCommunes}
                onChange={(e) => setAllCommunes(e.currentTarget.checked)}
              />{' '}
              Tất cả xã/phường
            </label>
            <div class="commune-boxes" hidden={allCommunes}>
              {props.me.communes.map((c) => (
                <label key={c.code}>
                  <input type="checkbox" name="commune" value={c.code} /> {c.name}
                </label>
              ))}
            </div>
          </fieldset>
        )}
        <fieldset>
          <legend class="req">Thôn/ấp nhận</legend>
          <HamletBoxes hamlets={props.hamlets} all={all} onAll={setAll} />
        </fieldset>
        <button type="submit" class="danger">
          Phát khẩn cấp ngay
        </button>
      </form>
    </>
  );
}
