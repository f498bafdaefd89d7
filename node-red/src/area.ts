import type { DeviceTags, Registry } from '../../devices/registry/index.ts';

/**
 * Which devices a node listens to: an area given by administrative codes. Codes, not names:
 * names change with mergers (2025), codes are what the registry and InfluxDB tags use.
 */
export type AreaFilter = { province?: string; district?: string; commune?: string };

export type Tags = DeviceTags | { device: string };

export type Placement =
  | { ok: true; tags: Tags }
  /** registry-missing: an area is chosen but the config node has no registry; device-unknown: not in the registry */
  | { ok: false; reason: 'registry-missing' | 'device-unknown' }
  /** a known device outside the chosen area: not an error, just not ours */
  | { ok: 'outside' };

export function cleanArea(raw: { province?: unknown; district?: unknown; commune?: unknown }): AreaFilter {
  const pick = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : undefined);
  const area: AreaFilter = {};
  for (const key of ['province', 'district', 'commune'] as const) {
    const value = pick(raw[key]);
    if (value) area[key] = value;
  }
  return area;
}

export function hasArea(area: AreaFilter): boolean {
  return !!(area.province || area.district || area.commune);
}

export function areaLabel(area: AreaFilter): string {
  return [
    area.province && `tỉnh ${area.province}`,
    area.district && `huyện ${area.district}`,
    area.commune && `xã ${area.commune}`,
  ]
    .filter(Boolean)
    .join(', ');
}

/** Tag a device from the registry (when there is one) and decide whether it is in the area. */
export function place(deviceId: string, area: AreaFilter, registry: Registry | undefined): Placement {
  if (!registry)
    return hasArea(area) ? { ok: false, reason: 'registry-missing' } : { ok: true, tags: { device: deviceId } };
  const entry = registry.device(deviceId);
  if (!entry) return { ok: false, reason: 'device-unknown' };
  const tags = registry.deviceTags(entry);
  const inside =
    (!area.province || tags.province === area.province) &&
    (!area.district || tags.district === area.district) &&
    (!area.commune || tags.commune === area.commune);
  return inside ? { ok: true, tags } : { ok: 'outside' };
}

/** Vietnamese detail for a placement refusal. */
export function placementDetail(reason: 'registry-missing' | 'device-unknown', deviceId: string): string {
  return reason === 'registry-missing'
    ? `cần sổ đăng ký (cấu hình kết nối) để biết thiết bị ${deviceId} thuộc khu vực nào`
    : `thiết bị ${deviceId} không có trong sổ đăng ký`;
}
