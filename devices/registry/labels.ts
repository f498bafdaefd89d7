import type { Registry } from './index.ts';

/**
 * How people read a device or camera in alerts: its registry name and its commune's name, the id after it
 * (ids are what an installer looks for on the box), e.g. "Loa Ấp Tân Hòa – Phường Phú Khương (xa1-ap1-loa)".
 */
export function deviceLabel(registry: Registry | undefined, id: string): string {
  const e = registry?.device(id);
  if (e)
    return `${e.device.name ?? (e.device.kind === 'speaker' ? 'Loa' : 'Hộp đánh giá')} – ${e.commune.name} (${id})`;
  const cam = registry?.cameras.get(id);
  if (cam) return `${cam.camera.name}, ${cam.counter.name} – ${cam.commune.name} (${id})`;
  return id;
}
