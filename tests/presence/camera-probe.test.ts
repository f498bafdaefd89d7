import { createServer as createHttp, type Server as HttpServer } from 'node:http';
import { createServer as createTcp, type Server as TcpServer, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CameraProbeUnit, probeHttp, probeTcp } from '../../firmware-bridge/cameras/camera-probe.ts';
import { CameraProbeConfig } from '../../firmware-bridge/cameras/config.ts';
import { unitFromSection } from '../../firmware-bridge/unit-catalogue.ts';
import { fakeContext } from '../support/bridge-context.ts';
import { CameraPayload, encode } from '../../devices/contract/index.ts';
import { freePort } from '../../infra/ports.ts';
import { waitFor } from './harness.ts';
import { ShiftedClock } from '../support/shifted-clock.ts';

/** Real local servers: an RTSP-like TCP listener, a snapshot HTTP server (200, 500, and one that never answers). */
let tcp: TcpServer;
let http: HttpServer;
let tcpPort: number;
let httpPort: number;
let closedPort: number;
const sockets = new Set<Socket>();

beforeAll(async () => {
  tcp = createTcp((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  tcpPort = await freePort();
  await new Promise<void>((r) => tcp.listen(tcpPort, '127.0.0.1', () => r()));
  http = createHttp((req, res) => {
    if (req.url === '/ok.jpg') res.writeHead(200, { 'content-type': 'image/jpeg' }).end(Buffer.alloc(50_000));
    else if (req.url === '/broken.jpg') res.writeHead(500).end('lỗi');
    // '/hang.jpg': never answers
  });
  httpPort = await freePort();
  await new Promise<void>((r) => http.listen(httpPort, '127.0.0.1', () => r()));
  closedPort = await freePort(); // free a moment ago, nobody listens: connection refused
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  http.closeAllConnections();
  await new Promise((r) => tcp.close(r));
  await new Promise((r) => http.close(r));
});

describe('camera probes', () => {
  it('rtsp: a listening port is up, a closed one is connect-refused', async () => {
    const up = await probeTcp('127.0.0.1', tcpPort, 5_000);
    expect(up.up).toBe(true);
    expect(up.latencyMs).toBeGreaterThanOrEqual(0);
    expect(await probeTcp('127.0.0.1', closedPort, 5_000)).toEqual({ up: false, error: 'connect-refused' });
  });

  it('http: 200 is up, 500 is http-status, silence is timeout, a closed port is connect-refused', async () => {
    const base = `http://127.0.0.1:${httpPort}`;
    expect(await probeHttp(`${base}/ok.jpg`, 5_000)).toMatchObject({ up: true, status: 200 });
    expect(await probeHttp(`${base}/broken.jpg`, 5_000)).toEqual({ up: false, error: 'http-status', status: 500 });
    expect(await probeHttp(`${base}/hang.jpg`, 300)).toEqual({ up: false, error: 'timeout' });
    expect(await probeHttp(`http://127.0.0.1:${closedPort}/x.jpg`, 5_000)).toEqual({
      up: false,
      error: 'connect-refused',
    });
  });

  it('the bridge unit probes every configured camera and publishes contract-valid camera messages', async () => {
    const { ctx, published } = fakeContext(new ShiftedClock());
    const config = CameraProbeConfig.parse({
      timeoutMs: 500,
      cameras: [
        { id: 'cam-rtsp', name: 'Camera 1', probe: { kind: 'rtsp', host: '127.0.0.1', port: tcpPort } },
        { id: 'cam-off', name: 'Camera 2', probe: { kind: 'rtsp', host: '127.0.0.1', port: closedPort } },
        { id: 'cam-http', name: 'Camera 3', probe: { kind: 'http', url: `http://127.0.0.1:${httpPort}/ok.jpg` } },
        { id: 'cam-500', name: 'Camera 4', probe: { kind: 'http', url: `http://127.0.0.1:${httpPort}/broken.jpg` } },
      ],
    });
    const unit = new CameraProbeUnit(config);
    await unit.start(ctx);
    await waitFor(() => published.length >= 4, 20_000, 'four probes');
    await unit.stop();
    expect(published.every((p) => p.channel === 'camera')).toBe(true);
    const payloads = published.map((p) => CameraPayload.parse(p.payload));
    for (const p of payloads) expect(() => encode('camera', p)).not.toThrow();
    expect(payloads.map((p) => [p.camera, p.up, p.error ?? null])).toEqual([
      ['cam-rtsp', true, null],
      ['cam-off', false, 'connect-refused'],
      ['cam-http', true, null],
      ['cam-500', false, 'http-status'],
    ]);
    expect(unit.counters).toEqual({ probes: 4, down: 2 });
  });

  it('the config reports every error with its full path and a code', () => {
    try {
      unitFromSection('cameras', { intervalS: 0, cameras: [{ id: 'X', name: 'c', probe: { kind: 'ftp' } }] });
      expect.unreachable();
    } catch (err) {
      const e = err as { code: string; problems: string[] };
      expect(e.code).toBe('BRIDGE_CONFIG_INVALID');
      expect(e.problems.map((p) => p.split(':')[0]).sort()).toEqual([
        'units.cameras.cameras.0.id',
        'units.cameras.cameras.0.probe.kind',
        'units.cameras.intervalS',
      ]);
    }
  });

  it('the bridge loads it as its optional "cameras" unit', async () => {
    const build = unitFromSection('cameras', {
      cameras: [{ id: 'cam-1', name: 'Camera 1', probe: { kind: 'rtsp', host: '127.0.0.1' } }],
    });
    const unit = await build({} as never);
    expect(unit).toBeInstanceOf(CameraProbeUnit);
    expect((unit as CameraProbeUnit).config.cameras[0].probe).toEqual({ kind: 'rtsp', host: '127.0.0.1', port: 554 });
  });
});
