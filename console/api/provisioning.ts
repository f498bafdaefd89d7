import { z } from 'zod';
import { ClaimResponse } from '../../devices/contract/provisioning.ts';
import { Id } from '../../devices/ids.ts';
import { coded, refusedAs } from './coded.ts';

/** Device provisioning: staff register a Pi and get its one-time code; the Pi claims its identity with it. */

/** What staff type when they register a new Pi: its id and where it sits (a counter for a box, a hamlet for a speaker). */
export const RegisterInput = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('rating-box'),
    id: Id,
    counter: Id,
    name: z.string().trim().min(1).max(200).optional(),
  }),
  z.strictObject({
    kind: z.literal('speaker'),
    id: Id,
    hamlet: Id,
    name: z.string().trim().min(1).max(200).optional(),
  }),
]);
export type RegisterInput = z.infer<typeof RegisterInput>;
/** the registration as a request body: a shape it is not is INVALID_INPUT with every issue in words */
export const RegisterRequest = refusedAs('INVALID_INPUT', RegisterInput);

export const Registration = z.object({
  deviceId: z.string(),
  /** the one-time code, shown once */
  code: z.string(),
  expiresAt: z.string(),
  /** what the QR holds: the code and where to claim it */
  claimText: z.string(),
  qrSvg: z.string(),
});
export const RegistrationEnvelope = z.object({ id: z.string(), registration: Registration });
export type RegistrationEnvelope = z.infer<typeof RegistrationEnvelope>;

/** a registration as listed (never its code) */
export const PendingDevice = z.object({
  deviceId: z.string(),
  commune: z.string(),
  kind: z.enum(['rating-box', 'speaker']),
  /** the counter (rating box) or hamlet (speaker) id */
  place: z.string(),
  name: z.string().nullable(),
  state: z.enum(['pending', 'claimed', 'revoked']),
  createdBy: z.string(),
  createdAt: z.string(),
  expiresAt: z.number(),
  claimedAt: z.string().nullable(),
});
export type PendingDevice = z.infer<typeof PendingDevice>;
/** a registration as listed, with its kind, place and state in words */
export const ListedRegistration = PendingDevice.extend({
  kindLabel: z.string(),
  placeName: z.string(),
  stateLabel: z.string(),
});
export type ListedRegistration = z.infer<typeof ListedRegistration>;
export const PendingList = z.object({ items: z.array(ListedRegistration) });
export type PendingList = z.infer<typeof PendingList>;
export const DeviceParams = z.object({ id: z.string().max(64, coded('NOT_FOUND')) });

/** a Pi's claim: the code as typed or scanned (spaces, dashes and case do not matter) */
export const ClaimRequest = z.object(
  { code: z.string({ error: coded('CLAIM_INVALID') }).max(64, coded('CLAIM_INVALID')) },
  { error: coded('CLAIM_INVALID') },
);
/** the answer is the contract's: the Pi's claim tool checks it with the same schema */
export { ClaimResponse };
