import { z } from 'zod';
import { ROLES } from '../model.ts';
import { UnitLevel } from './announcement.ts';
import { coded } from './coded.ts';
import { PublicUser } from './session.ts';

/** The administrator's API: accounts, the roles this console can give, the counters. */

export const USERNAME = /^[a-z0-9][a-z0-9._-]{2,63}$/;
const Code = z.string({ error: coded('INVALID_INPUT', 'Mã xã/đơn vị phải là chuỗi.') }).max(64);

/**
 * A new account as the administrator (or the command line) sends it. Which communes and units exist is the
 * registry's business (UserService.validateNew); this is the shape.
 */
export const NewUserRequest = z.object(
  {
    username: z.string({ error: coded('USERNAME_INVALID') }).regex(USERNAME, coded('USERNAME_INVALID')),
    password: z
      .string({ error: coded('PASSWORD_WEAK') })
      .min(8, coded('PASSWORD_WEAK'))
      .max(1024, coded('INVALID_INPUT', 'Mật khẩu quá dài.')),
    // the old read-only "district" role is the inspector now (API clients written before keep working)
    role: z
      .enum([...ROLES, 'district'], { error: coded('ROLE_INVALID') })
      .transform((r) => (r === 'district' ? 'inspector' : r)),
    level: z.enum(UnitLevel.options, { error: coded('LEVEL_INVALID') }).nullish(),
    unit: Code.nullish(),
    commune: Code.optional(),
    communes: z.array(Code).max(5000).optional(),
    displayName: z
      .string({ error: coded('INVALID_INPUT', 'Tên hiển thị phải là chuỗi.') })
      .max(200, coded('INVALID_INPUT', 'Tên hiển thị tối đa 200 ký tự.'))
      .optional(),
  },
  { error: coded('INVALID_INPUT') },
);
export type NewUserRequest = z.infer<typeof NewUserRequest>;

export const UserParams = z.object({
  username: z.string().max(64, coded('USER_NOT_FOUND')),
});

export const ListedUser = PublicUser.extend({ disabled: z.boolean() });
export const UserList = z.object({ items: z.array(ListedUser) });
export type UserList = z.infer<typeof UserList>;
/** one account, after it was created, locked or unlocked */
export const UserEnvelope = z.object({ id: z.string(), user: ListedUser });
export type UserEnvelope = z.infer<typeof UserEnvelope>;

export const RoleChoice = z.object({ role: z.enum(ROLES), level: UnitLevel.nullable(), label: z.string() });
export const RoleList = z.object({ items: z.array(RoleChoice) });
export type RoleList = z.infer<typeof RoleList>;

/** the console's counters (logins, publishes, queries): numbers grouped by part (null: the part is off) */
const Count = z.union([z.number(), z.record(z.string(), z.number())]);
export const Stats = z.record(z.string(), z.record(z.string(), Count).nullable());
export type Stats = z.infer<typeof Stats>;
