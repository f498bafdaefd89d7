import { SATISFACTION_LEVELS } from '../devices/levels.ts';
import { DEMO_PROVINCE, DEMO_UNITS } from '../devices/fixtures/demo-province.ts';
import { demoLayout } from '../devices/fixtures/demo-layout.ts';
import type { RegistryFile } from '../devices/registry/schema.ts';

/**
 * Unit names for the dashboards: InfluxDB stores codes and ids (the keys), people read names. Grafana's InfluxQL
 * variables can only list tag values, so the names come from the registry when the dashboards are built:
 * the province, district and commune variables list "name : code" pairs (Grafana shows the name, queries use
 * the code), tables map codes and ids to names (value mappings) and legends rename series (overrides). The
 * committed dashboards are built for the embedded default's province; a deployment builds its own with
 * `npm run dashboards -- --registry registry.yaml`.
 */
type Named = { code: string; name: string };
export type UnitNames = {
  provinces: Named[];
  districts: (Named & { province: string })[];
  communes: (Named & { province: string })[];
  /** counter, hamlet, device and camera id → what people call it, with its commune ("Loa Ấp Tân Hòa – Xã …") */
  counters: Named[];
  hamlets: Named[];
  devices: Named[];
  cameras: Named[];
};

/** Device kinds as people say them (the `kind` tag). */
export const KIND_NAMES: Record<string, string> = { 'rating-box': 'Hộp đánh giá', speaker: 'Loa', camera: 'Camera' };
/** Broadcast outcomes (the `outcome` tag of broadcast_log). */
export const OUTCOME_NAMES: Record<string, string> = {
  played: 'Đã phát',
  failed: 'Lỗi khi phát',
  skipped: 'Bỏ qua',
  missed: 'Bỏ lỡ',
};
/** Satisfaction levels (the `level` tag). */
export const LEVEL_NAMES: Record<string, string> = Object.fromEntries(
  Object.entries(SATISFACTION_LEVELS).map(([k, v]) => [k, v.label]),
);

export function demoUnitNames(): UnitNames {
  return unitNamesOf(demoLayout({ units: DEMO_UNITS, province: DEMO_PROVINCE }));
}

export function unitNamesOf(file: RegistryFile): UnitNames {
  const out: UnitNames = {
    provinces: [],
    districts: [],
    communes: [],
    counters: [],
    hamlets: [],
    devices: [],
    cameras: [],
  };
  for (const p of file.provinces) {
    out.provinces.push({ code: p.code, name: p.name });
    out.districts.push(...p.districts.map((d) => ({ code: d.code, name: d.name, province: p.code })));
    for (const c of [...p.communes, ...p.districts.flatMap((d) => d.communes)]) {
      out.communes.push({ code: c.code, name: c.name, province: p.code });
      const of = (name: string) => `${name} – ${c.name}`;
      out.counters.push(...c.counters.map((k) => ({ code: k.id, name: of(k.name) })));
      out.cameras.push(
        ...c.counters.flatMap((k) => k.cameras.map((cam) => ({ code: cam.id, name: of(`${cam.name}, ${k.name}`) }))),
      );
      out.hamlets.push(...c.hamlets.map((h) => ({ code: h.id, name: of(h.name) })));
      out.devices.push(...c.devices.map((d) => ({ code: d.id, name: of(d.name ?? KIND_NAMES[d.kind]) })));
    }
  }
  return out;
}

const pairs = (list: readonly Named[]) => Object.fromEntries(list.map((u) => [u.code, u.name]));

/** A Grafana value mapping key → name, for a table column holding codes or ids. */
export function nameMapping(names: Readonly<Record<string, string>>) {
  return {
    id: 'mappings',
    value: [
      {
        type: 'value',
        options: Object.fromEntries(Object.entries(names).map(([k, text], index) => [k, { text, index }])),
      },
    ],
  };
}

export const communeNameMapping = (units: UnitNames) => nameMapping(pairs(units.communes));
export const counterNameMapping = (units: UnitNames) => nameMapping(pairs(units.counters));
export const hamletNameMapping = (units: UnitNames) => nameMapping(pairs(units.hamlets));
export const deviceNameMapping = (units: UnitNames) => nameMapping(pairs(units.devices));
export const cameraNameMapping = (units: UnitNames) => nameMapping(pairs(units.cameras));

export const deviceNames = (units: UnitNames) => pairs(units.devices);
export const hamletNames = (units: UnitNames) => pairs(units.hamlets);
export const counterNames = (units: UnitNames) => pairs(units.counters);
