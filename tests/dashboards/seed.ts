import { vn } from './influx-http.ts';

/**
 * Hand-made points with known answers (see the expectations in panels.test.ts).
 * Province 99: communes 90001 and 90002 in district 999, 90003 directly under the province (two tiers).
 * Province 98: commune 80001, which no query for 99 may count. The range is the Vietnam week
 * 2025-03-01 00:00 … 2025-03-08 00:00 (Saturday to Saturday); Monday is 2025-03-03.
 */
export const RANGE = { from: vn('2025-03-01 00:00'), to: vn('2025-03-08 00:00') - 1 };

const LEVEL_OF: Record<number, string> = { 4: 'rat-hai-long', 3: 'hai-long', 2: 'binh-thuong', 1: 'khong-hai-long' };
type Area = { province: string; district?: string; commune: string };
const A1: Area = { province: '99', district: '999', commune: '90001' };
const A2: Area = { province: '99', district: '999', commune: '90002' };
const A3: Area = { province: '99', commune: '90003' };
const A9: Area = { province: '98', district: '988', commune: '80001' };

const tags = (a: Area, extra: Record<string, string>) =>
  Object.entries({
    province: a.province,
    ...(a.district ? { district: a.district } : {}),
    commune: a.commune,
    ...extra,
  })
    .map(([k, v]) => `${k}=${v}`)
    .join(',');

let seq = 0;
function ratings(a: Area, counter: string, at: string, values: number[]): string[] {
  return values.map((v, i) => {
    seq++;
    return `rating,${tags(a, { counter, device: `${counter}-box`, kind: 'rating-box', level: LEVEL_OF[v], time_quality: 'device' })} value=${v}i,id="r${seq}" ${vn(at) + i * 60_000}`;
  });
}

export function ratingLines(): string[] {
  return [
    ...ratings(A1, 'xa1-quay1', '2025-03-03 08:10', [4, 4, 3, 1]),
    ...ratings(A1, 'xa1-quay1', '2025-03-03 09:05', [2, 4]),
    ...ratings(A1, 'xa1-quay2', '2025-03-04 14:20', [1, 1, 1, 2, 3, 4]),
    ...ratings(A1, 'xa1-quay1', '2025-03-07 16:00', [1, 1]),
    ...ratings(A2, 'xa2-quay1', '2025-03-05 10:00', [4, 4, 4]),
    ...ratings(A3, 'xa3-quay1', '2025-03-06 08:30', [3, 3, 3, 3, 1]),
    // outside the range / outside the province: must never be counted
    ...ratings(A1, 'xa1-quay1', '2025-02-20 08:00', [1]),
    ...ratings(A9, 'xb1-quay1', '2025-03-03 08:00', [1, 1, 1]),
  ];
}

const presence = (a: Area, device: string, kind: string, at: string, online: 0 | 1, source = 'availability') =>
  `presence,${tags(a, { device, kind })} online=${online}i,source="${source}" ${vn(at)}`;
/** the collector's state checkpoint at each Vietnam midnight (collector/presence/checkpoints.ts) */
const checkpoints = (a: Area, device: string, kind: string, states: (0 | 1)[]) =>
  states.map((online, i) => presence(a, device, kind, `2025-03-0${i + 1} 00:00`, online, 'checkpoint'));
const state = (a: Area, device: string, kind: string, at: string, uptime: number) =>
  `device_state,${tags(a, { device, kind })} uptime_s=${uptime},outbox_depth=0i ${vn(at)}`;
const heartbeats = (a: Area, device: string, kind: string, slots: number) =>
  Array.from(
    { length: slots },
    (_, i) =>
      `device_state,${tags(a, { device, kind })} uptime_s=${i * 600},outbox_depth=0i ${RANGE.from + i * 600_000}`,
  );
const probe = (a: Area, camera: string, at: string, up: 0 | 1) =>
  `camera_status,${tags(a, { camera })} up=${up}i ${vn(at)}`;
const log = (a: Area, hamlet: string, at: string, outcome: string) => {
  seq++;
  return `broadcast_log,${tags(a, { hamlet, device: `${hamlet}-loa`, kind: 'speaker', announcement: 'thong-bao', outcome })} id="b${seq}",occurrence="${new Date(vn(at)).toISOString()}" ${vn(at)}`;
};

export function deviceLines(): string[] {
  return [
    // loudspeaker of hamlet 1: online since before the range, offline from Fri 00:00 → 6 of 7 days
    presence(A1, 'xa1-ap1-loa', 'speaker', '2025-02-25 00:00', 1),
    presence(A1, 'xa1-ap1-loa', 'speaker', '2025-03-07 00:00', 0),
    ...checkpoints(A1, 'xa1-ap1-loa', 'speaker', [1, 1, 1, 1, 1, 1]),
    ...checkpoints(A1, 'xa1-quay1-box', 'rating-box', [1, 1, 1, 1, 1, 1, 1]),
    ...checkpoints(A1, 'xa1-quay2-box', 'rating-box', [1, 1, 1, 1, 0, 0, 0]).slice(1),
    // rating box 1: online since 20 Feb, never dropped → 100 %
    presence(A1, 'xa1-quay1-box', 'rating-box', '2025-02-20 00:00', 1),
    // rating box 2: online Sat 00:00, offline Tue 12:00 for good → 3.5 of 7 days; offline now
    presence(A1, 'xa1-quay2-box', 'rating-box', '2025-03-01 00:00', 1),
    presence(A1, 'xa1-quay2-box', 'rating-box', '2025-03-04 12:00', 0),
    presence(A9, 'xb1-quay1-box', 'rating-box', '2025-03-02 00:00', 0),
    // heartbeats every 10 min: box 1 the whole week (1008 slots), speaker 6 days (864), box 2 3.5 days (504)
    ...heartbeats(A1, 'xa1-quay1-box', 'rating-box', 1008),
    ...heartbeats(A1, 'xa1-ap1-loa', 'speaker', 864),
    ...heartbeats(A1, 'xa1-quay2-box', 'rating-box', 504),
    state(A2, 'xa2-quay1-box', 'rating-box', '2025-03-05 09:00', 10),
    state(A3, 'xa3-quay1-box', 'rating-box', '2025-03-06 08:00', 20),
    state(A9, 'xb1-quay1-box', 'rating-box', '2025-03-02 00:00', 30),
    probe(A1, 'xa1-cam1', '2025-03-03 08:00', 1),
    probe(A1, 'xa1-cam1', '2025-03-04 08:00', 1),
    probe(A1, 'xa1-cam1', '2025-03-05 08:00', 1),
    probe(A1, 'xa1-cam1', '2025-03-06 08:00', 0),
    probe(A1, 'xa1-cam2', '2025-03-03 08:00', 1),
    probe(A1, 'xa1-cam2', '2025-03-06 08:00', 1),
    log(A1, 'xa1-ap1', '2025-03-03 06:00', 'played'),
    log(A1, 'xa1-ap1', '2025-03-03 17:00', 'played'),
    log(A1, 'xa1-ap1', '2025-03-04 06:00', 'played'),
    log(A1, 'xa1-ap1', '2025-03-04 17:00', 'missed'),
    log(A1, 'xa1-ap2', '2025-03-05 06:00', 'played'),
    log(A1, 'xa1-ap2', '2025-03-05 17:00', 'failed'),
    // two broker nodes, each with its own cumulative counts: node a 3 then 5 bad passwords, node b 2 (then silent)
    `broker_refusals,node=node-a,reason=auth-bad-password count=3i ${vn('2025-03-03 08:10')}`,
    `broker_refusals,node=node-b,reason=auth-bad-password count=2i ${vn('2025-03-03 08:20')}`,
    `broker_refusals,node=node-a,reason=auth-bad-password count=5i ${vn('2025-03-03 09:10')}`,
    `broker_refusals,node=node-a,reason=subscribe-not-allowed count=1i ${vn('2025-03-03 09:10')}`,
  ];
}
