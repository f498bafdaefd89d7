import { BroadcastLogExtension } from './broadcast-log.ts';
import type { CollectorConfig } from './config.ts';
import type { CollectorExtension } from './extension.ts';
import { presenceExtension } from './presence/index.ts';
import { RatingExtension } from './rating.ts';

/** The collector's extensions, one per capability: add one line for a new one. */
export function collectorExtensions(config?: Pick<CollectorConfig, 'presence'>): CollectorExtension[] {
  return [new RatingExtension(), new BroadcastLogExtension(), presenceExtension(config?.presence)];
}
