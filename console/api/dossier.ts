import { z } from 'zod';
import { Decision766, IndexResult, LevelCounts } from '../../devices/analytics/figures.ts';
import { OfficerCode } from '../../devices/contract/dossier.ts';
import { coded } from './coded.ts';
import { CommuneCode, DayRange } from './period.ts';

/**
 * The dossier API: the one-stop software's dossier list imported, the Decision 766 figure beside the SIPAS
 * share, officers' names and per-officer figures (the commune's leader only), and the service report's period.
 */

export const ImportAnswer = z.object({ imported: z.number(), importId: z.number(), total: z.number() });
/**
 * a refused import is a coded error; IMPORT_INVALID also lists the bad cells (at most a few hundred; `count` is
 * all of them). Every 400 of the route goes through this schema, so the other codes fit it too.
 */
export const CellError = z.object({ row: z.number(), column: z.string(), message: z.string() });
export const ImportRefusal = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    count: z.number().optional(),
    rows: z.array(CellError).optional(),
  }),
});

export const FiguresQuery = DayRange.extend({ commune: CommuneCode });
const Defined = z.object({ definition: z.string() });
export const FiguresAnswer = z.object({
  commune: z.string(),
  from: z.string(),
  to: z.string(),
  decision766: Decision766.extend(Defined.shape),
  sipas: IndexResult.extend(Defined.shape),
});
export type FiguresAnswer = z.infer<typeof FiguresAnswer>;

/** the badge code's own rule (the contract's), refused as OFFICER_INVALID */
export const OfficerParams = z.object({
  code: z.string().refine((c) => OfficerCode.safeParse(c).success, coded('OFFICER_INVALID')),
});
export const OfficerRequest = z.strictObject(
  {
    name: z
      .string({ error: coded('OFFICER_INVALID') })
      .trim()
      .min(1, coded('OFFICER_INVALID'))
      .max(120, coded('OFFICER_INVALID')),
  },
  { error: coded('OFFICER_INVALID') },
);
export const OfficerAnswer = z.object({ commune: z.string(), code: z.string(), name: z.string() });

export const OfficerFigure = IndexResult.extend({
  /** null: ratings given while no officer had scanned a badge */
  code: z.string().nullable(),
  name: z.string().nullable(),
  counts: LevelCounts,
});
export type OfficerFigure = z.infer<typeof OfficerFigure>;
export const OfficerFigures = z.object({ commune: z.string(), items: z.array(OfficerFigure), definition: z.string() });
export type OfficerFigures = z.infer<typeof OfficerFigures>;

/** the service report: a period of whole Vietnam days */
export const ServiceReportQuery = DayRange;
/** the report file itself, CSV in UTF-8 with a BOM (sent as text, not serialized as JSON) */
export const CsvFile = z.string();
