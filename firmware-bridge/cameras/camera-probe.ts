import { connect } from 'node:net';
import type { CameraPayload, CameraProbeError } from '../../devices/contract/index.ts';
import type { BridgeContext, BridgeUnit } from '../unit.ts';
import type { CameraProbeConfig } from './config.ts';

/**
 * The counter's Pi probes each camera of its counter (registry counter.cameras) on an interval and reports each
 * result on tt/v1/<boxId>/camera (QoS 0, not retained: the collector keeps the series and the down-since time).
 * rtsp: a TCP connect to host:port (an RTSP server that accepts is up; no RTSP session, no credentials needed);
 * http: GET of a snapshot URL, 2xx = up. Both with a timeout. Probes run one camera at a time (a Pi on 4G).
 * The bridge's factory for units.cameras: unit-catalogue.ts loads this file only when the section is present.
 */
export function createCameraProbe(config: CameraProbeConfig): CameraProbeUnit {
  return new CameraProbeUnit(config);
}

export type ProbeResult = Pick<CameraPayload, 'up' | 'error' | 'status' | 'latencyMs'>;

function errorCode(err: NodeJS.ErrnoException): CameraProbeError {
  const code = err.code ?? (err.cause as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ECONNREFUSED') return 'connect-refused';
  if (code === 'ETIMEDOUT' || code === 'UND_ERR_CONNECT_TIMEOUT' || err.name === 'TimeoutError') return 'timeout';
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return 'unreachable';
  return 'error';
}

export function probeTcp(
  host: string,
  port: number,
  timeoutMs: number,
  now: () => number = Date.now,
): Promise<ProbeResult> {
  const t0 = now();
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (r: ProbeResult) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => done({ up: false, error: 'timeout' }), timeoutMs);
    socket.once('connect', () => done({ up: true, latencyMs: now() - t0 }));
    socket.once('error', (err) => done({ up: false, error: errorCode(err) }));
  });
}

export async function probeHttp(url: string, timeoutMs: number, now: () => number = Date.now): Promise<ProbeResult> {
  const t0 = now();
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const res = await fetch(url, { signal, redirect: 'follow' });
    await res.body?.cancel().catch(() => undefined); // a snapshot can be large: do not download it
    if (res.status >= 200 && res.status < 300) return { up: true, status: res.status, latencyMs: now() - t0 };
    return { up: false, error: 'http-status', status: res.status };
  } catch (err) {
    if (signal.aborted) return { up: false, error: 'timeout' };
    return { up: false, error: errorCode(err as NodeJS.ErrnoException) };
  }
}

export class CameraProbeUnit implements BridgeUnit {
  readonly name = 'camera-probe';
  #ctx?: BridgeContext;
  #timer?: { cancel(): void };
  #round?: Promise<void>;
  #stopped = false;
  readonly counters = { probes: 0, down: 0 };

  constructor(readonly config: CameraProbeConfig) {}

  async start(ctx: BridgeContext): Promise<void> {
    this.#ctx = ctx;
    this.#stopped = false;
    if (!this.config.cameras.length) return;
    this.#loop();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#timer?.cancel();
    await this.#round;
  }

  #loop(): void {
    this.#round = this.probeAll().finally(() => {
      this.#round = undefined;
      if (!this.#stopped) this.#timer = this.#ctx!.clock.setTimeout(() => this.#loop(), this.config.intervalS * 1000);
    });
  }

  /** Probe every camera once and publish each result. Never throws. */
  async probeAll(): Promise<void> {
    const ctx = this.#ctx!;
    for (const cam of this.config.cameras) {
      if (this.#stopped) return;
      const now = () => ctx.clock.monotonic();
      const r =
        cam.probe.kind === 'rtsp'
          ? await probeTcp(cam.probe.host, cam.probe.port, this.config.timeoutMs, now)
          : await probeHttp(cam.probe.url, this.config.timeoutMs, now);
      this.counters.probes++;
      if (!r.up) this.counters.down++;
      const payload: CameraPayload = { v: 1, camera: cam.id, at: new Date(ctx.clock.now()).toISOString(), ...r };
      try {
        ctx.publish('camera', payload, { qos: 0 });
      } catch (err) {
        ctx.log.warn({ err, camera: cam.id }, 'camera status not published');
      }
    }
  }
}
