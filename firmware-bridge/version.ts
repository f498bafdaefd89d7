import { createRequire } from 'node:module';

/** The software version reported in every state message (package.json). */
export const SOFTWARE_VERSION: string = String(
  (createRequire(import.meta.url)('../package.json') as { version?: string }).version ?? '0.0.0',
).slice(0, 32);
