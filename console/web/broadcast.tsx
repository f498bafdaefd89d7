import { useEffect, useRef, useState } from 'preact/hooks';
import type { SoundPolicy } from '../../devices/contract/broadcast.ts';
import { vnInstant } from '../api/calendar.ts';
import type { ListedStop, PolicyAnswer, PreviewAnswer, RollupAnswer, StopList } from '../api/broadcast.ts';
import { refusalLabel } from '../speaker-labels.ts';
import { api, guard, say, type Me } from './api.ts';
import { readPicker } from './dates.ts';
import { Button, DateField, Field } from './ui.tsx';

/**
 * "Điều hành loa toàn tỉnh": stop now / resume, the quiet hours and volume caps per period (a leader sets
 * them for their unit), the delivery roll-up per commune, hamlet and speaker, and the 24-hour preview.
 */
const LEVELS: Record<string, string> = { commune: 'xã', district: 'huyện', province: 'tỉnh' };
const when = (iso: string | null | undefined) => vnInstant(iso) || '—';

type Stop = ListedStop;

/** the policy in force, in words (shown beside the schedule form too) */
export function policyText(p: SoundPolicy): string {
  const periods = p.quietHours.periods.map((x) => `${x.from}–${x.to}`).join(', ') || 'không có';
  const caps = p.volumeCaps.map((c) => `${c.from}–${c.to} tối đa ${c.max}`).join(', ');
  return `Giờ yên tĩnh (giờ Việt Nam): ${periods}; chỉ tin khẩn cấp được phát trong giờ này.${caps ? ` Mức âm lượng tối đa: ${caps}.` : ''}`;
}

export function BroadcastView(props: { me: Me }) {
  const { me } = props;
  const [stops, setStops] = useState<Stop[]>([]);
  const [policy, setPolicy] = useState<PolicyAnswer | null>(null);
  const [rollup, setRollup] = useState<RollupAnswer | null>(null);
  const load = async () => {
    const [s, p, r] = await Promise.all([
      api<StopList>('GET', '/api/stops'),
      api<PolicyAnswer>('GET', '/api/policy').catch(() => null),
      api<RollupAnswer>('GET', '/api/rollup?hours=24'),
    ]);
    setStops(s.items);
    setPolicy(p);
    setRollup(r);
  };
  useEffect(guard(load), []);
  const leader = me.role === 'leader';
  const active = stops.filter((s) => s.active);
  return (
    <div id="broadcast-body">
      {leader && <StopNow me={me} onDone={load} />}
      <h3>Lệnh dừng đang có hiệu lực</h3>
      {active.length ? (
        <ul id="stops-list">
          {active.map((s) => (
            <li key={s.id}>
              <span>{`Cấp ${LEVELS[s.level]} · ${s.communes.length} xã · từ ${when(s.at)}${s.until ? ` đến ${when(s.until)}` : ''} · ${s.createdBy} `}</span>
              {leader && (
                <Button onClick={guard(async () => (await api('POST', `/api/stops/${s.id}/resume`), await load()))}>
                  Cho phát lại
                </Button>
              )}
            </li>
          ))}
        </ul>
      ) : (
        <p>Không có lệnh dừng nào.</p>
      )}
      {policy && (
        <>
          <h3>Giờ yên tĩnh và mức âm lượng</h3>
          <p id="policy-text">{policyText(policy.effective)}</p>
          {leader && <PolicyEditor answer={policy} onSaved={load} />}
        </>
      )}
      {rollup && <RollupTable rollup={rollup} />}
      <PreviewPanel me={me} />
    </div>
  );
}

function StopNow(props: { me: Me; onDone(): Promise<void> }) {
  const upper = props.me.level === 'province' || props.me.level === 'district';
  const chooser = useRef<HTMLSelectElement>(null);
  const box = useRef<HTMLDivElement>(null);
  const stop = async () => {
    const chosen = chooser.current ? [...chooser.current.selectedOptions].map((o) => o.value) : [];
    const where = upper
      ? chosen.length
        ? `${chosen.length} xã đã chọn`
        : `toàn ${LEVELS[props.me.level!]}`
      : 'toàn xã';
    if (!window.confirm(`Dừng ngay mọi âm thanh đang phát trên loa của ${where}?`)) return;
    const until = readPicker(box.current!.querySelector<HTMLInputElement>('[name=until]')!, 'datetime');
    await api('POST', '/api/stops', { communes: upper && chosen.length ? chosen : 'all', until: until || undefined });
    say('Đã gửi lệnh dừng phát tới các loa.', true);
    await props.onDone();
  };
  return (
    <div ref={box}>
      <h3>Dừng phát ngay</h3>
      {upper && (
        <Field label="Xã (không chọn: toàn bộ)">
          <select ref={chooser} multiple size={Math.min(8, props.me.communes.length)} id="stop-communes">
            {props.me.communes.map((c) => (
              <option key={c.code} value={c.code}>
                {c.name}
              </option>
            ))}
          </select>
        </Field>
      )}
      <Field label="Dừng đến (để trống: đến khi cho phát lại)">
        <DateField name="until" kind="datetime" placeholder="dd/mm/yyyy hh:mm" />
      </Field>
      <Button danger id="stop-now" onClick={guard(stop)}>
        Dừng phát ngay
      </Button>
    </div>
  );
}

type Period = { from: string; to: string };
type Cap = Period & { max: number };

/** a leader's quiet hours and volume caps per period for their unit (a province's apply to all its communes) */
function PolicyEditor(props: { answer: PolicyAnswer; onSaved(): Promise<void> }) {
  const start = props.answer.policy ?? props.answer.effective;
  const [periods, setPeriods] = useState<Period[]>(start.quietHours.periods);
  const [caps, setCaps] = useState<Cap[]>(start.volumeCaps);
  const save = async () => {
    const policy: SoundPolicy = { quietHours: { periods, exempt: start.quietHours.exempt }, volumeCaps: caps };
    await api('PUT', '/api/policy', { policy });
    say('Đã lưu giờ yên tĩnh và mức âm lượng; các loa nhận theo lịch phát mới.', true);
    await props.onSaved();
  };
  const edit = <T extends Period>(list: T[], set: (l: T[]) => void, i: number, change: Partial<T>) =>
    set(list.map((x, j) => (j === i ? { ...x, ...change } : x)));
  const unit = props.answer.unit;
  return (
    <form id="policy-form" onSubmit={(e) => (e.preventDefault(), guard(save)())}>
      <p class="note">{`Quy định của ${LEVELS[unit.level]} (mã ${unit.code}); giờ theo 24 giờ, giờ Việt Nam.`}</p>
      <fieldset>
        <legend>Giờ yên tĩnh (không phát tin thông thường, ưu tiên)</legend>
        {periods.map((p, i) => (
          <div class="period" key={`q${i}`} data-kind="quiet">
            <Field label="Từ">
              <input
                name="quiet-from"
                value={p.from}
                pattern="[0-2][0-9]:[0-5][0-9]"
                size={5}
                onInput={(e) => edit(periods, setPeriods, i, { from: e.currentTarget.value })}
              />
            </Field>
            <Field label="Đến">
              <input
                name="quiet-to"
                value={p.to}
                pattern="[0-2][0-9]:[0-5][0-9]"
                size={5}
                onInput={(e) => edit(periods, setPeriods, i, { to: e.currentTarget.value })}
              />
            </Field>
            <Button onClick={() => setPeriods(periods.filter((_, j) => j !== i))}>Bỏ khoảng này</Button>
          </div>
        ))}
        <Button id="add-quiet" onClick={() => setPeriods([...periods, { from: '21:00', to: '05:30' }])}>
          Thêm khoảng giờ yên tĩnh
        </Button>
      </fieldset>
      <fieldset>
        <legend>Mức âm lượng tối đa theo khung giờ</legend>
        {caps.map((c, i) => (
          <div class="period" key={`c${i}`} data-kind="cap">
            <Field label="Từ">
              <input
                name="cap-from"
                value={c.from}
                size={5}
                onInput={(e) => edit(caps, setCaps, i, { from: e.currentTarget.value })}
              />
            </Field>
            <Field label="Đến">
              <input
                name="cap-to"
                value={c.to}
                size={5}
                onInput={(e) => edit(caps, setCaps, i, { to: e.currentTarget.value })}
              />
            </Field>
            <Field label="Âm lượng tối đa (0–100)">
              <input
                name="cap-max"
                type="number"
                min={0}
                max={100}
                value={c.max}
                onInput={(e) => edit(caps, setCaps, i, { max: Number(e.currentTarget.value) })}
              />
            </Field>
            <Button onClick={() => setCaps(caps.filter((_, j) => j !== i))}>Bỏ khung này</Button>
          </div>
        ))}
        <Button id="add-cap" onClick={() => setCaps([...caps, { from: '05:30', to: '07:00', max: 60 }])}>
          Thêm khung giờ giới hạn âm lượng
        </Button>
      </fieldset>
      <button type="submit">Lưu quy định</button>
    </form>
  );
}

function RollupTable({ rollup }: { rollup: RollupAnswer }) {
  return (
    <>
      <h3>Tình hình phát 24 giờ qua</h3>
      <table id="rollup-table">
        <thead>
          <tr>
            <th>Xã / thôn · loa</th>
            <th>Đã phát</th>
            <th>Lỗi</th>
            <th>Bỏ lỡ</th>
            <th>Lịch</th>
          </tr>
        </thead>
        <tbody>
          {rollup.communes.map((c) => [
            <tr key={c.code} class="rollup-commune">
              <th>{c.name}</th>
              <td>{c.counts.played}</td>
              <td>{c.counts.failed}</td>
              <td>{c.counts.missed}</td>
              <td>{c.behind ? `${c.behind} loa chưa nhận lịch mới` : 'đã nhận đủ'}</td>
            </tr>,
            ...c.hamlets.flatMap((h) =>
              h.speakers.map((s) => {
                const behind = s.behind
                  .map(
                    (b) =>
                      `${LEVELS[b.level]}: ${b.active}/${b.issued}${b.status === 'refused' ? ` (từ chối: ${refusalLabel(b.reason)})` : ''}`,
                  )
                  .join('; ');
                return (
                  <tr key={s.id} class="rollup-speaker">
                    <td>{`${h.name} · ${s.id}`}</td>
                    <td>{s.counts.played}</td>
                    <td>{s.counts.failed}</td>
                    <td>{s.counts.missed}</td>
                    <td>{`${behind || 'đã nhận'}${s.stopped ? ' · đang dừng' : ''} · liên lạc lần cuối ${when(s.lastSeen)}`}</td>
                  </tr>
                );
              }),
            ),
          ])}
        </tbody>
      </table>
    </>
  );
}

function PreviewPanel({ me }: { me: Me }) {
  const [commune, setCommune] = useState(me.communes[0]?.code ?? '');
  const [preview, setPreview] = useState<PreviewAnswer | null>(null);
  useEffect(() => {
    if (commune)
      guard(async () =>
        setPreview(await api<PreviewAnswer>('GET', `/api/preview?commune=${encodeURIComponent(commune)}&hours=24`)),
      )();
  }, [commune]);
  return (
    <>
      <h3>Xem trước 24 giờ tới</h3>
      <select id="preview-commune" value={commune} onChange={(e) => setCommune(e.currentTarget.value)}>
        {me.communes.map((c) => (
          <option key={c.code} value={c.code}>
            {c.name}
          </option>
        ))}
      </select>
      <div id="preview-out">
        {preview?.hamlets.map((h) => (
          <div key={h.hamlet}>
            <h4>{h.name}</h4>
            {h.entries.length ? (
              <ul>
                {h.entries.map((e, i) => (
                  <li
                    key={i}
                  >{`${when(e.start)} · ${e.title} (${e.issuerLabel}) · ${e.fateLabel}${e.overlaps.length ? ' · trùng giờ' : ''}`}</li>
                ))}
              </ul>
            ) : (
              <p>Không có gì sẽ phát.</p>
            )}
          </div>
        ))}
      </div>
    </>
  );
}
