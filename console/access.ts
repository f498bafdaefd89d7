import type { Area } from './area.ts';
import { fail } from './errors.ts';
import type { Unit } from './levels.ts';
import { levelOf, type Announcement, type Role, type User } from './model.ts';
import type { AuditEntry } from './store/audit.ts';

/** Role and commune checks in one place; each refusal is a coded error with a Vietnamese message. */
export function requireRole(user: User, ...roles: Role[]): void {
  if (!roles.includes(user.role)) fail('FORBIDDEN_ROLE');
}

/** the communes a user may read: admin all served; a province/district user the unit's; others their list */
export function readableCommunes(user: User, area: Area): string[] {
  if (user.role === 'admin') return area.communes;
  const level = levelOf(user);
  if ((level === 'province' || level === 'district') && user.unit) return area.communesIn(level, user.unit);
  return user.communes.filter((c) => area.serves(c));
}

export function requireReadable(user: User, area: Area, commune: string): void {
  if (!readableCommunes(user, area).includes(commune)) fail('FORBIDDEN_COMMUNE');
}

/** the one commune a commune staff member or leader works for */
export function ownCommune(user: User, area: Area): string {
  requireRole(user, 'staff', 'leader');
  if (levelOf(user) !== 'commune') fail('FORBIDDEN_COMMUNE');
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
  const level = levelOf(user);
  if (level === 'commune') return { level: 'commune', code: ownCommune(user, area) };
  if ((level !== 'province' && level !== 'district') || !user.unit) fail('FORBIDDEN_COMMUNE');
  if (area.communesIn(level, user.unit).length === 0) fail('FORBIDDEN_COMMUNE');
  return { level, code: user.unit };
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

/** approve, reject, stop, emergencies: the commune's leaders */
export function canApprove(user: User): boolean {
  return user.role === 'leader';
}

/*
 * What each kind of reader may see. The roles that prepare or approve (and the administrator) see everything of
 * their communes; a read-only role (district today, inspectors later) oversees what was broadcast: approved and
 * stopped announcements and the decisions on them, not work in progress, rejection reasons or who logged in.
 * A role not listed here reads only what a read-only role reads.
 */
const FULL_READERS: readonly Role[] = ['staff', 'leader', 'admin'];
const LOGIN_AUDIT_READERS: readonly Role[] = ['leader', 'admin'];
const PUBLISHED: readonly Announcement['status'][] = ['approved', 'stopped'];
/** audit actions a read-only reader sees: the decisions that put something on or off the air */
const DECISIONS = ['approve', 'stop', 'emergency', 'supersede'];

/** drafts, submitted, rejected announcements and pending revisions */
export function canReadDrafts(user: User): boolean {
  return FULL_READERS.includes(user.role);
}

export function canReadRejectReasons(user: User): boolean {
  return FULL_READERS.includes(user.role);
}

/** logins and logouts of the commune's people */
export function canReadLoginAudit(user: User): boolean {
  return LOGIN_AUDIT_READERS.includes(user.role);
}

/** creation and locking of accounts */
export function canReadUserAudit(user: User): boolean {
  return user.role === 'admin';
}

export function canReadAnnouncement(user: User, a: Announcement): boolean {
  return canReadDrafts(user) || PUBLISHED.includes(a.status);
}

/** the announcement as this user may see it (undefined: not at all) */
export function visibleAnnouncement(user: User, a: Announcement): Announcement | undefined {
  if (!canReadAnnouncement(user, a)) return undefined;
  return canReadRejectReasons(user) ? a : { ...a, rejectReason: null };
}

export function visibleAuditEntry(user: User, e: AuditEntry): AuditEntry | undefined {
  if (e.action === 'login' || e.action === 'logout') return canReadLoginAudit(user) ? e : undefined;
  if (e.action.startsWith('user.')) return canReadUserAudit(user) ? e : undefined;
  if (canReadDrafts(user)) return e;
  if (!DECISIONS.includes(e.action)) return undefined;
  const strip = (v: unknown) => (v && typeof v === 'object' ? { ...(v as object), rejectReason: null } : v);
  return { ...e, before: strip(e.before), after: strip(e.after) };
}
