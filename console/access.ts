import type { Area } from './area.ts';
import { fail } from './errors.ts';
import type { Unit } from './levels.ts';
import type { Role, User } from './model.ts';

/** Role and commune checks in one place; each refusal is a coded error with a Vietnamese message. */
export function requireRole(user: User, ...roles: Role[]): void {
  if (!roles.includes(user.role)) fail('FORBIDDEN_ROLE');
}

/** the communes a user may read: admin all served; a province/district user the unit's; others their list */
export function readableCommunes(user: User, area: Area): string[] {
  if (user.role === 'admin') return area.communes;
  if ((user.level === 'province' || user.level === 'district') && user.unit) return area.communesIn(user.level, user.unit);
  return user.communes.filter((c) => area.serves(c));
}

export function requireReadable(user: User, area: Area, commune: string): void {
  if (!readableCommunes(user, area).includes(commune)) fail('FORBIDDEN_COMMUNE');
}

/** the one commune a commune staff member or leader works for */
export function ownCommune(user: User, area: Area): string {
  requireRole(user, 'staff', 'leader');
  if (user.level !== 'commune') fail('FORBIDDEN_COMMUNE');
  const commune = user.communes[0];
  if (!commune || !area.serves(commune)) fail('FORBIDDEN_COMMUNE');
  return commune;
}

export function requireOwn(user: User, area: Area, commune: string): void {
  if (ownCommune(user, area) !== commune) fail('FORBIDDEN_COMMUNE');
}

/** the unit (level and code) a staff member or leader issues for: their commune, district or province */
export function ownUnit(user: User, area: Area): Unit {
  requireRole(user, 'staff', 'leader');
  if (user.level === 'commune') return { level: 'commune', code: ownCommune(user, area) };
  if ((user.level !== 'province' && user.level !== 'district') || !user.unit) fail('FORBIDDEN_COMMUNE');
  if (area.communesIn(user.level, user.unit).length === 0) fail('FORBIDDEN_COMMUNE');
  return { level: user.level, code: user.unit };
}

/** may this user act (prepare, approve, stop) for a unit? only its own staff/leader */
export function requireOwnUnit(user: User, area: Area, unit: Unit): void {
  const own = ownUnit(user, area);
  if (own.level !== unit.level || own.code !== unit.code) fail('FORBIDDEN_COMMUNE');
}

/** a leader of the unit: approves its announcements and uses its stop switch */
export function isLeaderOf(user: User, area: Area, unit: Unit): boolean {
  if (user.role !== 'leader') return false;
  try {
    requireOwnUnit(user, area, unit);
    return true;
  } catch {
    return false;
  }
}

/** the communes a unit's stop or announcement may target */
export function unitCommunes(area: Area, unit: Unit): string[] {
  return area.communesIn(unit.level, unit.code);
}
