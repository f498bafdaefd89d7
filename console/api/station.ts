import { z } from 'zod';
import { StreamFormat, StreamUrl } from '../../devices/contract/stream.ts';
import { coded } from './coded.ts';

/** "Tiếp sóng": the province's approved stations, as the admin sends one and as everyone reads the list. */
export const StationRequest = z.object(
  {
    name: z
      .string({ error: coded('STATION_INVALID', 'Tên đài từ 1 đến 200 ký tự.') })
      .trim()
      .min(1, coded('STATION_INVALID', 'Tên đài từ 1 đến 200 ký tự.'))
      .max(200, coded('STATION_INVALID', 'Tên đài từ 1 đến 200 ký tự.')),
    url: z
      .string({ error: coded('STATION_INVALID', 'Địa chỉ luồng phải là http:// hoặc https://.') })
      .trim()
      .refine(
        (url) => StreamUrl.safeParse(url).success,
        coded('STATION_INVALID', 'Địa chỉ luồng phải là http:// hoặc https://.'),
      ),
    /** blank: the speakers' decoder recognises it (a slower start) */
    format: z
      .union([z.literal(''), StreamFormat], { error: coded('STATION_INVALID', 'Định dạng: mp3, aac, ogg hoặc hls.') })
      .optional()
      .nullable(),
  },
  { error: coded('STATION_INVALID') },
);
export type StationRequest = z.infer<typeof StationRequest>;

export const StationParams = z.object({ id: z.string().min(1).max(64) });

export const StationView = z.object({
  id: z.string(),
  name: z.string(),
  url: z.string(),
  format: StreamFormat.nullable(),
  approvedBy: z.string(),
  approvedAt: z.string(),
  revokedAt: z.string().nullable(),
  revokedBy: z.string().nullable(),
});
export type StationView = z.infer<typeof StationView>;
export const StationList = z.object({ items: z.array(StationView) });
export type StationList = z.infer<typeof StationList>;
export const StationKey = z.object({ publicKey: z.string() });
