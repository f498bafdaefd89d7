import { z } from 'zod';
import { DEPLOYMENT_ITEM_KEYS } from '../report/declared.ts';
import { coded } from './coded.ts';

/** Deployment items the devices cannot measure, declared by the commune's own staff and leader. */

const Item = z.enum(DEPLOYMENT_ITEM_KEYS as [string, ...string[]], { error: coded('DEPLOYMENT_INVALID') });
const INVALID = coded('DEPLOYMENT_INVALID');
export const DeploymentRequest = z.strictObject(
  {
    items: z
      .partialRecord(
        Item,
        z.strictObject(
          {
            present: z.boolean({ error: INVALID }),
            note: z.string({ error: INVALID }).trim().max(500, INVALID).default(''),
          },
          { error: INVALID },
        ),
        { error: INVALID },
      )
      .refine((items) => Object.keys(items).length > 0, INVALID),
  },
  { error: INVALID },
);
export type DeploymentRequest = z.infer<typeof DeploymentRequest>;
export const DeploymentParams = z.object({ code: z.string().max(64, coded('FORBIDDEN_COMMUNE')) });
export const DeploymentQuery = z.object({ commune: z.string().max(64, coded('FORBIDDEN_COMMUNE')).optional() });

const Declared = z.object({ present: z.boolean(), note: z.string(), updatedBy: z.string(), updatedAt: z.string() });
/** item → what was declared (absent: not recorded) */
export const DeclaredItems = z.partialRecord(z.enum(DEPLOYMENT_ITEM_KEYS as [string, ...string[]]), Declared);
/** the item labels, and per commune what was declared and whether this user may change it */
export const DeploymentList = z.object({
  labels: z.record(z.string(), z.string()),
  communes: z.array(z.object({ code: z.string(), name: z.string(), editable: z.boolean(), items: DeclaredItems })),
});
export type DeploymentList = z.infer<typeof DeploymentList>;
export const DeploymentAnswer = z.object({ code: z.string(), items: DeclaredItems });
