import type { Area } from './area.ts';
import { fail } from './errors.ts';
import type { Role, User } from './model.ts';

/** Role and commune checks in one place; each refusal is a coded error with a Vietnamese message. */
export function requireRole(user: User, ...roles: Role[]): void {
  if (!roles.includes(user.role)) fail('FORBIDDEN_ROLE');
}

/** the communes a user may read: admin all served, district its list, staff and leader their own */
export function readableCommunes(user: User, area: Area): string[] {
  if (user.role === 'admin') return area.communes;
  return user.communes.filter((c) => area.serves(c));
}

export function requireReadable(user: User, area: Area, commune: string): void {
  if (!readableCommunes(user, area).includes(commune)) fail('FORBIDDEN_COMMUNE');
}

/** the one commune a staff member or leader works for */
export function ownCommune(user: User, area: Area): string {
  requireRole(user, 'staff', 'leader');
  const commune = user.communes[0];
  if (!commune || !area.serves(commune)) fail('FORBIDDEN_COMMUNE');
  return commune;
}

export function requireOwn(user: User, area: Area, commune: string): void {
  if (ownCommune(user, area) !== commune) fail('FORBIDDEN_COMMUNE');
}

/** approve, reject, stop, emergencies: the commune's leaders */
export function canApprove(user: User): boolean {
  return user.role === 'leader';
}
