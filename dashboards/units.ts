import { DEMO_PROVINCE, DEMO_UNITS } from '../devices/fixtures/demo-province.ts';
import type { RegistryFile } from '../devices/registry/schema.ts';

/**
 * Unit names for the dashboards: InfluxDB stores codes (the keys), people read names. Grafana's InfluxQL
 * variables can only list tag values, so the names come from the registry when the dashboards are built:
 * the province and commune variables list "name : code" pairs (Grafana shows the name, queries use the code)
 * and tables map commune codes to names. The committed dashboards are built for the embedded default's
 * province; a deployment builds its own with `npm run dashboards -- --registry registry.yaml`.
 */
export type UnitNames = { provinces: { code: string; name: string }[]; communes: { code: string; name: string; province: string }[] };

export function demoUnitNames(): UnitNames {
  return { provinces: [{ ...DEMO_PROVINCE }], communes: DEMO_UNITS.map((u) => ({ code: u.code, name: u.name, province: DEMO_PROVINCE.code })) };
}

export function unitNamesOf(file: RegistryFile): UnitNames {
  return {
    provinces: file.provinces.map((p) => ({ code: p.code, name: p.name })),
    communes: file.provinces.flatMap((p) => [...p.communes, ...p.districts.flatMap((d) => d.communes)].map((c) => ({ code: c.code, name: c.name, province: p.code }))),
  };
}

/** A Grafana value mapping code → name, for a table column holding commune codes. */
export function communeNameMapping(units: UnitNames) {
  return { id: 'mappings', value: [{ type: 'value', options: Object.fromEntries(units.communes.map((c, i) => [c.code, { text: c.name, index: i }])) }] };
}
