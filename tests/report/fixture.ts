import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { hashPassword } from '../../devices/credentials.ts';
import { vn } from '../dashboards/influx-http.ts';

/**
 * A province with three communes and hand-made points for the week 2025-03-01 … 2025-03-07 (Vietnam days).
 * Known answers (rules: working = online / probes up ≥ 80 % of the period):
 *  90001 Xã Tân Hội     – hamlet 1 speaker 100 %, hamlet 2 speaker 1/7 → loa chưa đầy đủ;
 *                          box 1 100 %, box 2 5.5/7 = 78.6 % → chưa đầy đủ; camera 1 4/5 = 80 %, camera 2 3/4 → chưa đầy đủ;
 *                          ratings 14 (6 satisfied); broadcasts 5 logged, 3 played.
 *  90002 Xã Bình Thạnh  – everything working (box 2 offline 20 h then back: 148/168 = 88 %) → đầy đủ;
 *                          ratings 4 in the period (3 satisfied; one at 23:30 on the last day counts, two outside do not).
 *  90003 Phường An Lộc  – nothing installed → chưa triển khai; no ratings, no rank.
 */
export async function writeRegistry(dir: string): Promise<string> {
  const passwordHash = await hashPassword('x', { N: 1024, r: 8, p: 1 });
  const cam = (id: string) => ({ id, name: `Camera ${id}`, probe: { kind: 'rtsp', host: '127.0.0.1', port: 554 } });
  const commune = (
    code: string,
    id: string,
    name: string,
    hamlets: number,
    counters: { cams: number }[],
    devices: boolean,
  ) => ({
    code,
    id,
    name,
    hamlets: Array.from({ length: hamlets }, (_, i) => ({ id: `${id}-ap${i + 1}`, name: `Ấp ${i + 1}` })),
    counters: counters.map((c, i) => ({
      id: `${id}-quay${i + 1}`,
      name: `Quầy ${i + 1}`,
      cameras: Array.from({ length: c.cams }, () => cam(`${id}-cam${i + 1}`)),
    })),
    devices: devices
      ? [
          ...counters.map((_, i) => ({
            id: `${id}-quay${i + 1}-box`,
            kind: 'rating-box',
            counter: `${id}-quay${i + 1}`,
            passwordHash,
          })),
          ...Array.from({ length: hamlets }, (_, i) => ({
            id: `${id}-ap${i + 1}-loa`,
            kind: 'speaker',
            hamlet: `${id}-ap${i + 1}`,
            passwordHash,
          })),
        ]
      : [],
  });
  const file = {
    version: 1,
    provinces: [
      {
        code: '99',
        name: 'Tỉnh Mẫu',
        districts: [
          {
            code: '999',
            name: 'Huyện Mẫu',
            communes: [
              commune('90001', 'xa1', 'Xã Tân Hội', 2, [{ cams: 1 }, { cams: 1 }], true),
              commune('90002', 'xa2', 'Xã Bình Thạnh', 1, [{ cams: 1 }], true),
            ],
          },
        ],
        communes: [commune('90003', 'xa3', 'Phường An Lộc', 2, [{ cams: 0 }], false)],
      },
    ],
  };
  const path = join(dir, 'registry.yaml');
  writeFileSync(path, stringify(file));
  return path;
}

const D1 = { province: '99', district: '999' };
const tags = (o: Record<string, string>) =>
  Object.entries(o)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
const presence = (commune: string, device: string, at: string, online: 0 | 1) =>
  `presence,${tags({ ...D1, commune, device })} online=${online}i ${vn(at)}`;
const probe = (commune: string, camera: string, at: string, up: 0 | 1) =>
  `camera_status,${tags({ ...D1, commune, camera })} up=${up}i ${vn(at)}`;
let seq = 0;
const LEVEL: Record<number, string> = { 4: 'rat-hai-long', 3: 'hai-long', 2: 'binh-thuong', 1: 'khong-hai-long' };
const rating = (commune: string, at: string, v: number) =>
  `rating,${tags({ ...D1, commune, counter: 'q', device: 'b', kind: 'rating-box', level: LEVEL[v], time_quality: 'device' })} value=${v}i,id="r${++seq}" ${vn(at) + seq}`;
const log = (commune: string, at: string, outcome: string) =>
  `broadcast_log,${tags({ ...D1, commune, hamlet: 'h', outcome })} id="b${++seq}" ${vn(at)}`;

export function reportLines(): string[] {
  const days = ['01', '02', '03', '04', '05'];
  return [
    presence('90001', 'xa1-ap1-loa', '2025-02-25 00:00', 1),
    presence('90001', 'xa1-ap2-loa', '2025-03-01 00:00', 1),
    presence('90001', 'xa1-ap2-loa', '2025-03-02 00:00', 0),
    presence('90001', 'xa1-quay1-box', '2025-02-20 00:00', 1),
    presence('90001', 'xa1-quay2-box', '2025-03-01 00:00', 1),
    presence('90001', 'xa1-quay2-box', '2025-03-06 12:00', 0),
    ...days.map((d, i) => probe('90001', 'xa1-cam1', `2025-03-${d} 08:00`, i === 4 ? 0 : 1)),
    ...days.slice(0, 4).map((d, i) => probe('90001', 'xa1-cam2', `2025-03-${d} 08:00`, i === 0 ? 0 : 1)),
    ...[3, 3, 3, 4, 4, 4, 2, 2, 1, 1, 1, 1, 1, 1].map((v, i) =>
      rating('90001', `2025-03-03 08:${String(i).padStart(2, '0')}`, v),
    ),
    log('90001', '2025-03-03 06:00', 'played'),
    log('90001', '2025-03-03 17:00', 'played'),
    log('90001', '2025-03-04 06:00', 'played'),
    log('90001', '2025-03-04 17:00', 'missed'),
    log('90001', '2025-03-05 06:00', 'failed'),
    presence('90002', 'xa2-ap1-loa', '2025-02-01 00:00', 1),
    presence('90002', 'xa2-quay1-box', '2025-02-01 00:00', 1),
    presence('90002', 'xa2-quay1-box', '2025-03-06 00:00', 0),
    presence('90002', 'xa2-quay1-box', '2025-03-06 20:00', 1),
    probe('90002', 'xa2-cam1', '2025-03-02 08:00', 1),
    probe('90002', 'xa2-cam1', '2025-03-05 08:00', 1),
    rating('90002', '2025-03-04 09:00', 4),
    rating('90002', '2025-03-04 09:05', 4),
    rating('90002', '2025-03-04 09:10', 4),
    rating('90002', '2025-03-07 23:30', 1),
    rating('90002', '2025-03-08 00:30', 1), // next Vietnam day: outside
    rating('90002', '2025-02-28 23:59', 1), // previous Vietnam day: outside
    log('90002', '2025-03-02 06:00', 'played'),
    log('90002', '2025-03-02 17:00', 'played'),
  ];
}
