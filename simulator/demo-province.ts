/**
 * The embedded default's province: real units of Tỉnh Vĩnh Long, rows copied from the official list of
 * administrative units in force since 1 July 2025 (shared/data/units-2025.csv: province_code, province_name,
 * commune_code, commune_name). Codes and names are real; everything else (counters, hamlets, devices,
 * each commune's satisfaction profile) is invented for the simulation.
 *
 * Profile: `quality` 0..1 shifts a counter's ratings toward "Rất hài lòng" (citizens.ts pickLevel);
 * `perHour` is the visitors per counter per opening hour; `reliability` 0..1 is how rarely its devices
 * drop off line; `counters` and `hamlets` size the commune. A low-traffic commune shows the small-sample
 * shrinkage; a low-reliability one shows silent boxes and offline devices.
 */
export type DemoUnit = { code: string; name: string; quality: number; perHour: number; reliability: number; counters: number; hamlets: number };

export const DEMO_PROVINCE = { code: '86', name: 'Tỉnh Vĩnh Long' } as const;

export const DEMO_UNITS: readonly DemoUnit[] = [
  { code: '28756', name: 'Phường Phú Khương', quality: 0.85, perHour: 8, reliability: 0.99, counters: 3, hamlets: 4 },
  { code: '28777', name: 'Phường An Hội', quality: 0.7, perHour: 7, reliability: 0.97, counters: 2, hamlets: 4 },
  { code: '28783', name: 'Phường Sơn Đông', quality: 0.55, perHour: 6, reliability: 0.95, counters: 2, hamlets: 3 },
  { code: '28789', name: 'Phường Bến Tre', quality: 0.9, perHour: 9, reliability: 0.99, counters: 3, hamlets: 4 },
  { code: '28807', name: 'Xã Giao Long', quality: 0.4, perHour: 4, reliability: 0.9, counters: 1, hamlets: 3 },
  { code: '28810', name: 'Xã Phú Túc', quality: 0.65, perHour: 5, reliability: 0.96, counters: 2, hamlets: 3 },
  { code: '28840', name: 'Xã Tân Phú', quality: 0.3, perHour: 5, reliability: 0.85, counters: 1, hamlets: 3 },
  { code: '28858', name: 'Phường Phú Tân', quality: 0.75, perHour: 6, reliability: 0.98, counters: 2, hamlets: 3 },
  { code: '28861', name: 'Xã Tiên Thủy', quality: 0.5, perHour: 4, reliability: 0.93, counters: 1, hamlets: 2 },
  { code: '28870', name: 'Xã Chợ Lách', quality: 0.8, perHour: 6, reliability: 0.97, counters: 2, hamlets: 4 },
  { code: '28879', name: 'Xã Phú Phụng', quality: 0.95, perHour: 0.3, reliability: 0.95, counters: 1, hamlets: 2 },
  { code: '28894', name: 'Xã Vĩnh Thành', quality: 0.6, perHour: 4, reliability: 0.8, counters: 1, hamlets: 3 },
  { code: '28901', name: 'Xã Hưng Khánh Trung', quality: 0.45, perHour: 5, reliability: 0.94, counters: 2, hamlets: 3 },
  { code: '28903', name: 'Xã Mỏ Cày', quality: 0.7, perHour: 7, reliability: 0.96, counters: 2, hamlets: 4 },
];
