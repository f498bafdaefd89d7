import { z } from 'zod';
import { Id } from '../ids.ts';
import { UtcTime } from './time.ts';

/**
 * Why a probe found a camera down (firmware-bridge/cameras/camera-probe.ts):
 * - connect-refused: nothing listens on the RTSP port / HTTP host (camera off, wrong port);
 * - timeout:         no answer within the probe timeout (camera or network hung, cable cut);
 * - unreachable:     no route / host down / DNS failure;
 * - http-status:     the snapshot URL answered with a non-2xx status (see `status`);
 * - error:           anything else (detail in the bridge log).
 */
export const CAMERA_PROBE_ERRORS = ['connect-refused', 'timeout', 'unreachable', 'http-status', 'error'] as const;
export const CameraProbeError = z.enum(CAMERA_PROBE_ERRORS);
export type CameraProbeError = z.infer<typeof CameraProbeError>;

/** The result of one probe of one counter camera, by the counter's Pi, on tt/v1/<boxId>/camera (QoS 0, not retained). */
export const CameraPayload = z.strictObject({
  v: z.literal(1),
  /** registry id of the camera (counter.cameras[].id) */
  camera: Id,
  /** device wall time of the probe; the collector stores receive time (Pi clocks may be unsynced) */
  at: UtcTime,
  up: z.boolean(),
  /** why it is down: one of CAMERA_PROBE_ERRORS (kept a string so a newer bridge's new code is not refused) */
  error: z.string().max(200).optional(),
  /** HTTP status of a snapshot probe */
  status: z.number().int().min(100).max(599).optional(),
  latencyMs: z.number().nonnegative().optional(),
});
export type CameraPayload = z.infer<typeof CameraPayload>;
