import type { IPoint } from 'influx';
import type { CameraPayload } from '../../devices/contract/index.ts';
import type { DeviceTags } from '../../devices/registry/index.ts';
import { MEASUREMENTS } from '../../devices/storage/measurements.ts';

/** camera_status: one point per probe, at receive time; tags + camera; fields up (1|0), latency_ms, error, status. */
export function cameraPoint(tags: DeviceTags, p: CameraPayload, receivedAt: number): IPoint {
  const fields: Record<string, number | string> = { up: p.up ? 1 : 0 };
  if (p.latencyMs !== undefined) fields.latency_ms = p.latencyMs;
  if (p.error) fields.error = p.error;
  if (p.status !== undefined) fields.status = p.status;
  return {
    measurement: MEASUREMENTS.camera,
    tags: { ...tags, camera: p.camera },
    fields,
    timestamp: new Date(receivedAt),
  };
}

/** Per camera: since when it has been seen down (receive time of the first down probe), by which box. */
export class CameraWatch {
  readonly #down = new Map<string, { device: string; since: number }>();

  /** Returns true when the camera came back up (so an open camera-down alert recovers). */
  probe(device: string, camera: string, up: boolean, at: number): boolean {
    if (up) {
      this.#down.delete(camera);
      return true;
    }
    if (!this.#down.has(camera)) this.#down.set(camera, { device, since: at });
    return false;
  }

  /** Cameras down for at least `thresholdMs` at `now`. */
  overdue(now: number, thresholdMs: number): { camera: string; device: string; since: number }[] {
    return [...this.#down].filter(([, d]) => now - d.since >= thresholdMs).map(([camera, d]) => ({ camera, ...d }));
  }
}
