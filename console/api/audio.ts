import { z } from 'zod';
import { AudioMeta } from './announcement.ts';

/** Audio files: an upload (or a recording made in the browser) answers the file it stored, by its hash. */
export const AudioEnvelope = z.object({ id: z.string(), audio: AudioMeta });
/** "Nghe thử": the speech made of a text, stored like an upload, with where to listen to it */
export const SpeechEnvelope = AudioEnvelope.extend({ url: z.string() });
export type AudioEnvelope = z.infer<typeof AudioEnvelope>;

export const SHA256 = /^[0-9a-f]{64}$/;
/** a speaker's download by content hash: any other name is a file this console does not have (404, not 400) */
export const AudioParams = z.object({ sha256: z.string() });
