import type { FastifyReply, FastifyRequest } from 'fastify';
import parseRange from 'range-parser';
import type { AudioMeta } from '../model.ts';

/**
 * One audio file to a speaker, from memory: content-addressed and immutable, so its ETag is its hash, it may
 * be cached forever, a speaker that has it gets 304, and one whose download broke off resumes with a Range
 * (If-Range: the same hash) instead of starting again. A speaker still checks the hash of what it assembled
 * against its signed document before it plays anything.
 */
export function sendAudio(req: FastifyRequest, reply: FastifyReply, meta: AudioMeta, bytes: Buffer): FastifyReply {
  const etag = `"${meta.sha256}"`;
  reply.header('Content-Type', meta.mime);
  reply.header('Cache-Control', 'public, max-age=31536000, immutable');
  reply.header('ETag', etag);
  reply.header('Accept-Ranges', 'bytes');
  const match = req.headers['if-none-match'];
  if (match?.split(',').some((t) => t.trim() === etag || t.trim() === '*')) return reply.status(304).send();
  const range = req.headers.range;
  const ifRange = req.headers['if-range'];
  if (range && (!ifRange || ifRange === etag)) {
    const ranges = parseRange(bytes.length, range, { combine: true });
    if (ranges === -1) {
      reply.header('Content-Range', `bytes */${bytes.length}`);
      return reply.status(416).send();
    }
    // one range is what a resuming speaker asks; several (or a malformed header) get the whole file
    if (ranges !== -2 && ranges.type === 'bytes' && ranges.length === 1) {
      const { start, end } = ranges[0];
      reply.header('Content-Range', `bytes ${start}-${end}/${bytes.length}`);
      reply.header('Content-Length', end - start + 1);
      return reply.status(206).send(bytes.subarray(start, end + 1));
    }
  }
  reply.header('Content-Length', bytes.length);
  return reply.send(bytes);
}
