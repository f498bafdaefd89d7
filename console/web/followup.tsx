import { useEffect, useState } from 'preact/hooks';
import { vnDate } from '../../devices/time/vietnam.ts';
import type { CaseList, CaseView } from '../api/followup.ts';
import type { z } from 'zod';
import { api, guard, type Me } from './api.ts';
import { DossierFigures, DossierImport, loadFigures, type Period } from './dossier-figures.tsx';
import { fmtTime } from './dates.ts';
import { Button } from './ui.tsx';

/**
 * "Hồ sơ & theo dõi": the dossier import and figures of this month, then the follow-up cases of "Không hài
 * lòng" ratings: the leader assigns; the assignee records contacts with the citizen, actions and the closing.
 * The case's state, kind, deadline and steps come in words from the server.
 */
const at = (ms: number | null) => (ms ? fmtTime(new Date(ms).toISOString()) : '—');

function CaseCard(props: { c: CaseView; leader: boolean; onChanged(): void }) {
  const { c } = props;
  const [text, setText] = useState('');
  const act = (path: string, body: unknown) =>
    guard(async () => {
      await api('POST', `/api/followup/cases/${c.id}/${path}`, body);
      props.onChanged();
    });
  return (
    <div class={`case${c.overdue ? ' overdue' : ''}`}>
      <h4>{`#${c.id} · ${c.kindLabel} · ${c.counterName} · ${c.stateLabel}`}</h4>
      <p>
        {`Lúc ${at(c.ratedAt)} · Số hồ sơ: ${c.dossier ?? '—'} · Hạn: ${c.dueText} · Người xử lý: ${c.assignee ?? 'chưa giao'}`}
      </p>
      <ul>
        {c.steps.map((s, i) => (
          <li key={i}>{`${at(s.at)} ${s.by} – ${s.kindLabel}: ${s.text}`}</li>
        ))}
      </ul>
      {!c.closedAt && (
        <>
          <input placeholder="nội dung" value={text} onInput={(e) => setText(e.currentTarget.value)} />
          <Button onClick={act('steps', { kind: 'contact', text })}>Ghi liên hệ</Button>
          <Button onClick={act('steps', { kind: 'action', text })}>Ghi xử lý</Button>
          <Button onClick={act('close', { closing: text })}>Đóng hồ sơ</Button>
          {props.leader && <Button onClick={act('assign', { assignee: text.trim() })}>Giao cho (tên đăng nhập)</Button>}
        </>
      )}
    </div>
  );
}

type Loaded = Awaited<ReturnType<typeof loadFigures>> & { cases: CaseView[] };

export function FollowupView(props: { me: Me }) {
  const { me } = props;
  const leader = me.role === 'leader';
  // every change (an import, a step) reads the figures and cases again
  const [version, setVersion] = useState(0);
  const [data, setData] = useState<Loaded | null>(null);
  const commune = me.commune ?? me.communes[0]?.code;
  const to = vnDate(Date.now());
  const period: Period = { commune: commune ?? '', from: `${to.slice(0, 8)}01`, to };
  useEffect(
    guard(async () => {
      if (!commune) return;
      const q = new URLSearchParams({ commune });
      const [figures, list] = await Promise.all([
        loadFigures(period, leader),
        api<z.infer<typeof CaseList>>('GET', `/api/followup/cases?${q}`),
      ]);
      setData({ ...figures, cases: list.items });
    }),
    [commune, version],
  );
  const changed = () => setVersion((v) => v + 1);
  if (!commune) return <div id="followup-body" />;
  return (
    <div id="followup-body">
      <DossierImport onImported={changed} />
      {data && (
        <>
          <DossierFigures period={period} fig={data.fig} officers={data.officers} />
          <h3>Hồ sơ theo dõi đánh giá "Không hài lòng"</h3>
          {!data.cases.length && <p>Không có hồ sơ theo dõi.</p>}
          {data.cases.map((c) => (
            <CaseCard key={`${c.id}-${c.steps.length}`} c={c} leader={leader} onChanged={changed} />
          ))}
        </>
      )}
    </div>
  );
}
