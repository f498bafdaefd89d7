import { randomBytes } from 'node:crypto';
import { chmodSync, writeFileSync } from 'node:fs';
import type { Registry } from '../devices/registry/index.ts';
import { roleLabel } from '../console/levels.ts';
import type { UserService } from '../console/users.ts';

export type DemoAccount = {
  username: string;
  role: 'staff' | 'leader' | 'inspector' | 'admin';
  level: 'commune' | 'district' | 'province' | null;
  unit: string | null;
  communes: string[];
  what: string;
};

type UnitRole = 'staff' | 'leader';
/** the word for each role in a demo username */
const ROLE_WORDS: Record<UnitRole, string> = { staff: 'canbo', leader: 'lanhdao' };

/** a unit's two accounts: the staff who drafts and the leader who approves */
function staffAndLeader(
  level: 'commune' | 'district' | 'province',
  unit: string,
  communes: string[],
  username: (roleWord: string) => string,
  what: (role: UnitRole) => string,
): DemoAccount[] {
  return (['staff', 'leader'] as const).map((role) => ({
    username: username(ROLE_WORDS[role]),
    role,
    level,
    unit,
    communes,
    what: what(role),
  }));
}

/**
 * The embedded default's accounts, derived from whatever communes the demo registry has: province staff and
 * leader for each province, district ones where the registry has districts, staff and leader for each
 * commune (named after its registry id), a read-only inspector and an admin.
 */
export function demoAccounts(registry: Registry): DemoAccount[] {
  const out: DemoAccount[] = [];
  for (const p of registry.file.provinces) {
    const suffix = registry.file.provinces.length > 1 ? `-${p.code}` : '';
    const duty = {
      staff: `${roleLabel('staff', 'province')} ${p.name}: soạn thông báo cho toàn tỉnh hoặc một số xã`,
      leader: `${roleLabel('leader', 'province')}: duyệt, phát khẩn cấp toàn tỉnh, "Dừng phát ngay"`,
    };
    out.push(
      ...staffAndLeader(
        'province',
        p.code,
        [],
        (word) => `tinh-${word}${suffix}`,
        (role) => duty[role],
      ),
    );
    for (const d of p.districts) {
      const what = (role: UnitRole) => `${roleLabel(role, 'district')} ${d.name}`;
      out.push(...staffAndLeader('district', d.code, [], (word) => `huyen-${word}-${d.code}`, what));
    }
  }
  for (const { commune } of registry.allCommunes()) {
    const what = (role: UnitRole) => `${roleLabel(role, 'commune', commune.name)} ${commune.name}`;
    out.push(...staffAndLeader('commune', commune.code, [commune.code], (word) => `${word}-${commune.id}`, what));
  }
  const all = registry.allCommunes().map((c) => c.commune.code);
  out.push({
    username: 'thanhtra',
    role: 'inspector',
    level: null,
    unit: null,
    communes: all,
    what: 'thanh tra, giám sát: chỉ xem',
  });
  out.push({ username: 'quantri', role: 'admin', level: null, unit: null, communes: [], what: 'quản trị' });
  return out;
}

/** create the accounts missing from the console; passwords are made once and kept in the secrets file */
export async function ensureDemoAccounts(
  users: UserService,
  registry: Registry,
  secrets: Record<string, string>,
  secretsPath: string,
): Promise<DemoAccount[]> {
  const accounts = demoAccounts(registry);
  let changed = false;
  for (const a of accounts) {
    const key = `console:${a.username}`;
    if (!secrets[key]) {
      secrets[key] = randomBytes(6).toString('base64url');
      changed = true;
    }
    await users
      .create(
        {
          username: a.username,
          password: secrets[key],
          role: a.role,
          level: a.level,
          unit: a.unit,
          communes: a.communes,
        },
        'npm-start',
      )
      .catch(() => undefined); // kept from an earlier start
  }
  if (changed) {
    writeFileSync(secretsPath, JSON.stringify(secrets, null, 2));
    chmodSync(secretsPath, 0o600);
  }
  return accounts;
}
