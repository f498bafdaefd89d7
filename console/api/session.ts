import { z } from 'zod';
import { UnitLevel } from './announcement.ts';

/** The signed-in user as the console describes them to the browser and API clients. */
export const PublicUser = z.object({
  username: z.string(),
  role: z.enum(['staff', 'leader', 'inspector', 'admin']),
  level: UnitLevel.nullish(),
  unit: z.string().nullish(),
  unitName: z.string().nullish(),
  /** "Cán bộ xã", "Lãnh đạo tỉnh", … (console/levels.ts) */
  roleLabel: z.string(),
  commune: z.string().nullable(),
  /** the communes the user may read, with their names */
  communes: z.array(z.object({ code: z.string(), name: z.string() })),
  displayName: z.string().nullable(),
});
export type PublicUser = z.infer<typeof PublicUser>;

export const SessionAnswer = z.object({ token: z.string(), user: PublicUser });
export const MeAnswer = z.object({ user: PublicUser });

/** a hamlet of a commune the user may read, with its speakers (the announcement form's targets) */
export const HamletItem = z.object({
  id: z.string(),
  name: z.string(),
  commune: z.string(),
  speakers: z.array(z.string()),
});
export type HamletItem = z.infer<typeof HamletItem>;
export const HamletList = z.object({ items: z.array(HamletItem) });
