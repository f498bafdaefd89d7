import type { ThrottleRule } from './store/login-attempts.ts';

const MINUTE = 60_000;

/**
 * Who may try a password, and when (see README "Login throttling"):
 * - account + address pair: 3 free failures, then a wait that doubles per failure (1 s, 2 s, 4 s … 15 min);
 * - address: 30 failures within 15 quiet minutes, then 15 minutes of refusals (slows spraying many names);
 * - account: 10 failures from anywhere, then 15 minutes of refusals, except from the owner's known device;
 * - known device (a cookie set at a successful login): replaces all three with its own doubling wait, so a
 *   colleague guessing the leader's password, even from the same office address, cannot lock the leader out.
 */
export const POLICY = {
  pairFree: 3,
  pairMaxWaitMs: 15 * MINUTE,
  pairQuietMs: 24 * 60 * MINUTE,
  addressFailures: 30,
  addressLockMs: 15 * MINUTE,
  accountFailures: 10,
  accountLockMs: 15 * MINUTE,
} as const;

function doubling(free: number): ThrottleRule['nextAllowedAt'] {
  return (failures, lastAt) =>
    failures < free ? 0 : lastAt + Math.min(1000 * 2 ** (failures - free), POLICY.pairMaxWaitMs);
}

function after(limit: number, lockMs: number): ThrottleRule['nextAllowedAt'] {
  return (failures, lastAt) => (failures < limit ? 0 : lastAt + lockMs);
}

export type LoginOrigin = {
  address: string /** the known-device id, when the browser sent a valid one for this account */;
  device?: string;
};

export function rulesFor(username: string, origin: LoginOrigin): ThrottleRule[] {
  if (origin.device)
    return [{ key: `device:${origin.device}`, quietMs: POLICY.pairQuietMs, nextAllowedAt: doubling(POLICY.pairFree) }];
  return [
    {
      key: `pair:${username}|${origin.address}`,
      quietMs: POLICY.pairQuietMs,
      nextAllowedAt: doubling(POLICY.pairFree),
    },
    {
      key: `address:${origin.address}`,
      quietMs: POLICY.addressLockMs,
      nextAllowedAt: after(POLICY.addressFailures, POLICY.addressLockMs),
    },
    {
      key: `account:${username}`,
      quietMs: POLICY.accountLockMs,
      nextAllowedAt: after(POLICY.accountFailures, POLICY.accountLockMs),
    },
  ];
}

/** on success: the pair (or device) starts afresh; the account and address only take back this attempt */
export function settleKeys(rules: ThrottleRule[]): { clear: string[]; refund: string[] } {
  return {
    clear: rules.filter((r) => r.key.startsWith('pair:') || r.key.startsWith('device:')).map((r) => r.key),
    refund: rules.filter((r) => r.key.startsWith('address:') || r.key.startsWith('account:')).map((r) => r.key),
  };
}
