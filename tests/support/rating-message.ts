import { randomUUID } from 'node:crypto';
import { encode } from '../../devices/contract/index.ts';

/** A box's "hài lòng" rating message as it goes on the wire: a fresh id, pressed now on a synced clock. */
export const syncedRating = (boot: string, seq: number) =>
  encode('rating', {
    v: 1,
    id: randomUUID(),
    level: 'hai-long',
    at: new Date().toISOString(),
    time: 'synced',
    boot,
    seq,
  });
