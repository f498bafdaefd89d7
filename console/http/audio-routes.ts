import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { AudioEnvelope, AudioParams, SHA256 } from '../api/audio.ts';
import { ownCommune } from '../access.ts';
import { sendAudio } from '../audio/serve.ts';
import { ConsoleError, fail } from '../errors.ts';
import { signedIn, userOf, type HttpDeps } from './context.ts';

export function registerAudioRoutes(fastify: FastifyInstance, deps: HttpDeps): void {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  /** multipart upload of one mp3/wav file: validated by its bytes, stored by its SHA-256 */
  app.post('/api/audio', { preValidation: signedIn(), schema: { response: { 200: AudioEnvelope } } }, async (req) => {
    const user = userOf(req);
    const commune = ownCommune(user, deps.area);
    if (!req.isMultipart()) fail('UPLOAD_INVALID');
    const file = await req.file();
    if (!file) fail('AUDIO_MISSING_FILE');
    const bytes = await file.toBuffer();
    if (file.file.truncated) fail('AUDIO_TOO_LARGE');
    // a file recorded in the browser is sent with the field name "recording"
    const source = file.fieldname === 'recording' ? 'record' : 'upload';
    const meta = await deps.audio.upload(bytes, user.username, commune, source);
    deps.store.audit.record({
      at: new Date(deps.clock.now()).toISOString(),
      username: user.username,
      commune,
      action: `audio.${source}`,
      target: meta.sha256,
      before: null,
      after: { ...meta, filename: file.filename.slice(0, 200) },
    });
    return { id: meta.sha256, audio: meta };
  });

  /**
   * Speakers fetch audio by content hash and verify it; the hash is the capability (no session needed),
   * and a file never changes under its name, so it may be cached forever.
   */
  app.get('/audio/:sha256', { schema: { params: AudioParams } }, async (req, reply) => {
    const { sha256 } = req.params;
    const meta = SHA256.test(sha256) ? deps.store.audio.get(sha256) : undefined;
    const bytes = meta && deps.audioFiles.bytes(sha256);
    if (!meta || !bytes) return reply.status(404).send(new ConsoleError('AUDIO_UNKNOWN').toBody());
    return sendAudio(req, reply, meta, bytes);
  });
}
