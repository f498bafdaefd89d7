import type { Area } from './area.ts';
import { levelOf, type Role, type User } from './model.ts';

/**
 * Administrative levels a console user works at. Since 1 July 2025 Vietnam has provinces and communes only;
 * the district level exists here only for registries that still list districts (older three-tier ones).
 */
export const UNIT_LEVELS = ['commune', 'district', 'province'] as const;
export type UnitLevel = (typeof UNIT_LEVELS)[number];

/** higher issues over lower: a stop or a document of a level covers its own level and those below */
export const LEVEL_RANK: Record<UnitLevel, number> = { commune: 0, district: 1, province: 2 };

export type Unit = { level: UnitLevel; code: string };
/** a level as it is named in a sentence ("Cấp tỉnh", "toàn xã") */
export const LEVEL_NAMES: Record<UnitLevel, string> = { commune: 'xã', district: 'huyện', province: 'tỉnh' };

/** "Xã", "Phường", "Đặc khu" from the commune's official name, so a ward's leader reads "Lãnh đạo phường". */
export function communeKind(name: string): string {
  const lower = name.toLocaleLowerCase('vi');
  if (lower.startsWith('phường')) return 'phường';
  if (lower.startsWith('đặc khu')) return 'đặc khu';
  if (lower.startsWith('thị trấn')) return 'thị trấn';
  return 'xã';
}

const LEVEL_NOUN: Record<Exclude<UnitLevel, 'commune'>, string> = { district: 'huyện', province: 'tỉnh' };

/** the Vietnamese label of a role at a level: "Cán bộ tỉnh", "Lãnh đạo phường", "Thanh tra (chỉ xem)" */
export function roleLabel(role: Role, level: UnitLevel | null, communeName?: string): string {
  if (role === 'admin') return 'Quản trị';
  if (role === 'inspector') return 'Thanh tra, giám sát (chỉ xem)';
  const noun = level === 'district' || level === 'province' ? LEVEL_NOUN[level] : communeKind(communeName ?? 'Xã');
  return `${role === 'leader' ? 'Lãnh đạo' : 'Cán bộ'} ${noun}`;
}

/** the label of a user as the console shows it */
export function userRoleLabel(user: User, area: Area): string {
  const level = levelOf(user);
  const commune = level === 'commune' || (level === null && user.communes.length === 1) ? user.communes[0] : undefined;
  return roleLabel(user.role, level, commune ? area.communeName(commune) : undefined);
}

/** the roles an admin can give on this console: district ones only where the registry has districts */
export function availableRoles(area: Area): Array<{ role: Role; level: UnitLevel | null; label: string }> {
  const levels: UnitLevel[] = area.hasDistricts() ? ['commune', 'district', 'province'] : ['commune', 'province'];
  const out: Array<{ role: Role; level: UnitLevel | null; label: string }> = [];
  for (const level of levels)
    for (const role of ['staff', 'leader'] as const) out.push({ role, level, label: roleLabel(role, level) });
  out.push({ role: 'inspector', level: null, label: roleLabel('inspector', null) });
  out.push({ role: 'admin', level: null, label: roleLabel('admin', null) });
  return out;
}
