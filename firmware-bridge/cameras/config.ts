import { z } from 'zod';
import { Camera } from '../../devices/registry/schema.ts';

/**
 * units.cameras of the bridge config: the counter's cameras as in the registry (counter.cameras: id, name, probe),
 * e.g. { intervalS: 60, timeoutMs: 5000, cameras: [{ id: xa1-cam1, name: Camera quầy 1, probe: { kind: rtsp, host: 192.168.1.64 } }] }
 */
export const CameraProbeConfig = z.strictObject({
  cameras: z.array(Camera).default([]),
  intervalS: z.number().positive().default(60),
  timeoutMs: z.number().int().positive().default(5_000),
});
export type CameraProbeConfig = z.output<typeof CameraProbeConfig>;
