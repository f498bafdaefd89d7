import { useEffect, useState } from 'preact/hooks';
import type { DeploymentList } from '../api/deployment.ts';
import { api, guard, say } from './api.ts';
import { fmtTime } from './dates.ts';

/** What a commune's staff declared (devices cannot tell): editable by that commune's staff and leader. */
export function DeploymentForm(props: { commune: string }) {
  const [list, setList] = useState<DeploymentList | null>(null);
  const path = `/api/satisfaction/deployment?commune=${encodeURIComponent(props.commune)}`;
  const load = async () => setList(await api<DeploymentList>('GET', path));
  useEffect(guard(load), [path]);
  const c = list?.communes[0];
  if (!list || !c) return null;
  const save = async (ev: Event) => {
    ev.preventDefault();
    const form = ev.currentTarget as HTMLFormElement;
    const field = (n: string) => form.elements.namedItem(n) as HTMLInputElement;
    const items = Object.fromEntries(
      Object.keys(list.labels).map((k) => [k, { present: field(k).checked, note: field(`${k}-note`).value }]),
    );
    await api('PUT', `/api/satisfaction/deployment/${encodeURIComponent(c.code)}`, { items });
    say('Đã lưu thông tin triển khai.', true);
    await load();
  };
  return (
    <>
      <h3>{`Thông tin triển khai do xã khai báo – ${c.name}`}</h3>
      <form id="deployment-form" onSubmit={guard(save)}>
        {Object.entries(list.labels).map(([key, label]) => {
          const item = c.items[key];
          return (
            <label key={`${key}-${item?.updatedAt ?? ''}`}>
              <input type="checkbox" name={key} checked={!!item?.present} disabled={!c.editable} /> {label}
              <input
                name={`${key}-note`}
                value={item?.note ?? ''}
                placeholder="Ghi chú"
                maxLength={500}
                disabled={!c.editable}
              />
              {item ? ` (cập nhật ${fmtTime(item.updatedAt).slice(0, 10)} bởi ${item.updatedBy})` : ' (chưa khai báo)'}
            </label>
          );
        })}
        {c.editable && <button type="submit">Lưu thông tin triển khai</button>}
      </form>
    </>
  );
}
