import { randomBytes } from 'node:crypto';
import { stringify } from 'yaml';
import { hashPassword } from '../devices/credentials.ts';
import type { RegistryFile } from '../devices/registry/schema.ts';
import type { DemoUnit } from '../devices/fixtures/demo-province.ts';

/**
 * A registry for a simulated commune, with generated passwords: the embedded default (`npm start`),
 * the tests and the benchmark use it. Without `units` the codes are well-formed sample codes, not real units;
 * with `units` (demo-province.ts) the communes are real ones, each sized by its own profile.
 */
export type DemoOptions = {
  communes?: number;
  hamletsPerCommune?: number;
  countersPerCommune?: number;
  /** hash cost: tests use a cheap one (N=1024), real deployments the default */
  cost?: { N: number; r: number; p: number };
  /** put communes under a district (old three-tier structure) */
  withDistrict?: boolean;
  /** real communes (code, name, counters, hamlets) instead of the sample ones; `communes` is then ignored */
  units?: readonly Pick<DemoUnit, 'code' | 'name' | 'counters' | 'hamlets'>[];
  province?: { code: string; name: string };
};

export type DemoSecrets = Record<string, string>;

const HAMLET_NAMES = ['Ấp Tân Hòa', 'Ấp Tân Thạnh', 'Ấp Bình Hòa', 'Ấp Long Sơn', 'Ấp Phú Lợi', 'Ấp Thạnh Phú', 'Ấp Mỹ Đông', 'Ấp An Lạc'];
const COUNTER_NAMES = ['Quầy Tư pháp – Hộ tịch', 'Quầy Địa chính – Xây dựng', 'Quầy Lao động – Thương binh và Xã hội', 'Quầy Văn hóa – Xã hội'];
const COMMUNE_NAMES = ['Xã Tân Hội', 'Xã Bình Thạnh', 'Phường An Lộc', 'Xã Thường Thới Tiền', 'Phường An Bình', 'Xã Long Khánh'];

export async function demoRegistry(opts: DemoOptions = {}): Promise<{ file: RegistryFile; yaml: string; secrets: DemoSecrets }> {
  const { hamletsPerCommune = 4, countersPerCommune = 2, cost, withDistrict = false, units } = opts;
  const communes = units?.length ?? opts.communes ?? 1;
  const secrets: DemoSecrets = {};
  const secret = async (id: string) => {
    secrets[id] = randomBytes(12).toString('base64url');
    return hashPassword(secrets[id], cost);
  };
  const communeList = [];
  for (let c = 0; c < communes; c++) {
    const cid = `xa${c + 1}`;
    const unit = units?.[c];
    const hamlets = Array.from({ length: unit?.hamlets ?? hamletsPerCommune }, (_, h) => ({ id: `${cid}-ap${h + 1}`, name: HAMLET_NAMES[h % HAMLET_NAMES.length] + (h >= HAMLET_NAMES.length ? ` ${h + 1}` : '') }));
    const counters = Array.from({ length: unit?.counters ?? countersPerCommune }, (_, k) => ({
      id: `${cid}-quay${k + 1}`,
      name: COUNTER_NAMES[k % COUNTER_NAMES.length],
      openingHours: [
        { weekdays: [1, 2, 3, 4, 5], open: '07:00', close: '11:30' },
        { weekdays: [1, 2, 3, 4, 5], open: '13:30', close: '17:00' },
        { weekdays: [6], open: '07:30', close: '11:30' },
      ],
      cameras: [{ id: `${cid}-cam${k + 1}`, name: `Camera quầy ${k + 1}`, probe: { kind: 'rtsp' as const, host: '127.0.0.1', port: 554 } }],
    }));
    const devices = [];
    for (const counter of counters) {
      const id = `${counter.id}-box`;
      devices.push({ id, kind: 'rating-box' as const, counter: counter.id, name: `Hộp đánh giá ${counter.name}`, passwordHash: await secret(id) });
    }
    for (const hamlet of hamlets) {
      const id = `${hamlet.id}-loa`;
      devices.push({ id, kind: 'speaker' as const, hamlet: hamlet.id, name: `Loa ${hamlet.name}`, passwordHash: await secret(id) });
    }
    communeList.push({
      code: unit?.code ?? String(90001 + c).padStart(5, '0'),
      id: cid,
      name: unit?.name ?? COMMUNE_NAMES[c % COMMUNE_NAMES.length] + (c >= COMMUNE_NAMES.length ? ` ${c + 1}` : ''),
      hamlets,
      counters,
      devices,
    });
  }
  const services = [];
  for (const [id, role] of [['collector', 'collector'], ['console', 'console'], ['node-red', 'integration']] as const) {
    services.push({ id, role, passwordHash: await secret(id) });
  }
  const { code, name } = opts.province ?? { code: '99', name: 'Tỉnh Mẫu' };
  const province = withDistrict
    ? { code, name, districts: [{ code: '999', name: 'Huyện Mẫu', communes: communeList }], communes: [] }
    : { code, name, districts: [], communes: communeList };
  const file: RegistryFile = { version: 1, provinces: [province], services };
  return { file, yaml: stringify(file), secrets };
}
