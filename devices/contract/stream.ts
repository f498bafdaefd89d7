import { z } from 'zod';
import { Id, ProvinceCode } from '../ids.ts';
import { UtcTime } from './time.ts';

/** The container of a stream, when known: the decoder then starts at once instead of probing tens of kB. */
export const StreamFormat = z.enum(['mp3', 'aac', 'ogg', 'hls']);
export type StreamFormat = z.infer<typeof StreamFormat>;

/** An http(s) stream URL (Icecast/Shoutcast MP3/AAC/Ogg, or an HLS playlist): never file:, rtmp:, or a local device. */
export const StreamUrl = z.url({ protocol: /^https?$/ }).max(500);

/**
 * One radio station the province approved for relay ("tiếp sóng"). Signed by the province key, and carried
 * verbatim (text + signature) inside the commune's signed schedule: a commune, a hijacked broker or a
 * tampered console database cannot point speakers at a URL the province did not approve.
 */
export const StationDocument = z.strictObject({
  v: z.literal(1),
  province: ProvinceCode,
  id: Id,
  name: z.string().min(1).max(200),
  url: StreamUrl,
  format: StreamFormat.optional(),
  approvedAt: UtcTime,
});
export type StationDocument = z.infer<typeof StationDocument>;

/** `doc` is the JSON text of a StationDocument exactly as signed; `sig` is Ed25519 over its UTF-8 bytes. */
export const SignedStation = z.strictObject({
  doc: z.string().min(2).max(2048),
  sig: z
    .string()
    .regex(/^[A-Za-z0-9+/]+={0,2}$/)
    .max(200),
});
export type SignedStation = z.infer<typeof SignedStation>;

/** Relay a province-approved station for `durationS` from each occurrence's start (the window). */
export const RelaySource = z.strictObject({
  kind: z.literal('relay'),
  station: SignedStation,
  durationS: z
    .number()
    .int()
    .min(10)
    .max(6 * 3600),
});

/**
 * A live broadcast from the console: the speaker plays only this mount, only within the window, and only
 * while the mount's bytes come from the console's stream server. The mount name is a fresh random secret
 * per session: an open mount elsewhere or a guessed name makes no speaker talk.
 */
export const LiveSource = z.strictObject({
  kind: z.literal('live'),
  /** http(s) URL of the session's mount on the console's stream server */
  url: StreamUrl,
  format: StreamFormat,
  /** the longest the session may last; the speaker stops by itself after it */
  durationS: z
    .number()
    .int()
    .min(10)
    .max(4 * 3600),
  /** who speaks (shown in logs) */
  by: z.string().min(1).max(100),
});

/** What an item plays. Absent: the item's audio file (every item before relays and live existed). */
export const ItemSource = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('file') }),
  RelaySource,
  LiveSource,
]);
export type ItemSource = z.infer<typeof ItemSource>;

/** How a stream went, added to the broadcast log of a relay or a live occurrence. */
export const StreamReport = z.strictObject({
  kind: z.enum(['relay', 'live']),
  /** seconds of audio actually played from the stream */
  playedS: z.number().nonnegative(),
  /** how many times the stream dropped and playback waited for it (each reconnect is one gap) */
  gaps: z.number().int().nonnegative(),
  /** seconds without stream audio inside the window, after the first audio */
  gapS: z.number().nonnegative(),
});
export type StreamReport = z.infer<typeof StreamReport>;
