import { readableCommunes } from './access.ts';
import type { Area } from './area.ts';
import { fail } from './errors.ts';
import type { User } from './model.ts';

/**
 * Is this user the leader of this commune? Per-officer figures and follow-up cases are for the commune's
 * leader alone: not its staff, not other communes' leaders, not district or province readers, not admins.
 */
export function isLeaderOf(user: User, area: Area, commune: string): boolean {
  return (
    user.role === 'leader' &&
    user.communes.length === 1 &&
    user.communes[0] === commune &&
    readableCommunes(user, area).includes(commune)
  );
}

export function requireLeaderOf(user: User, area: Area, commune: string): void {
  if (!isLeaderOf(user, area, commune)) fail('LEADER_ONLY');
}
