import { join } from 'node:path';
import type { SchedulePayload, ScheduleDocument } from '../../devices/contract/broadcast.ts';
import { verifySchedule, type ScheduleExpectation, type KeyInput } from '../../devices/schedule-signature.ts';
import { readJsonOrNull } from './atomic-file.ts';
import { DurableFile } from './durable-file.ts';

export type ActiveSchedule = { payload: SchedulePayload; doc: ScheduleDocument };

/**
 * The accepted schedule, kept on disk as the signed envelope: on boot it is verified again, so a file
 * tampered with on the SD card is refused like a forged message.
 */
export class ScheduleStore {
  private readonly file: DurableFile;

  /** one file per issuer: schedule.json (the commune's), schedule-province.json, … */
  constructor(dir: string, file = 'schedule.json') {
    this.file = new DurableFile(join(dir, file));
  }

  load(publicKey: KeyInput, expect: Omit<ScheduleExpectation, 'minVersion'>): ActiveSchedule | null {
    const json = readJsonOrNull(this.file.path);
    if (json === null) return null;
    const result = verifySchedule(json, publicKey, { ...expect, minVersion: 1 });
    return result.ok ? { payload: json as SchedulePayload, doc: result.doc } : null;
  }

  /** resolves once on disk; rejects on a disk error */
  save(payload: SchedulePayload): Promise<void> {
    return this.file.write(JSON.stringify(payload));
  }
}
