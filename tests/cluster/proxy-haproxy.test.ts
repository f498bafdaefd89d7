import { execFileSync } from 'node:child_process';
import { connect as netConnect } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HAPROXY, LocalHaproxy } from '../../infra/haproxy.ts';
import { BOX2, startTestBroker } from '../broker/helpers.ts';
import { connackCode, connectPacket, sleep, type RawClient } from '../broker/raw.ts';
import { tempDir } from '../harness/temp.ts';

/**
 * A real haproxy with send-proxy-v2 in front of a broker that trusts it: devices keep their own addresses, so a
 * wrong-password flood from one of them does not hold back the logins of the others behind the same balancer.
 * The "devices" dial from different loopback addresses (127.0.0.5, 127.0.0.6: all of 127/8 is this machine).
 */
const dir = tempDir('tt-proxy-haproxy-');

/** a raw MQTT CONNECT through the balancer from `from` */
async function connectFrom(port: number, from: string, id: string, password: string): Promise<number> {
  const socket = netConnect({ port, host: '127.0.0.1', localAddress: from });
  const received: Buffer[] = [];
  let closed = false;
  socket.on('data', (b) => received.push(b));
  socket.on('error', () => {});
  const c: RawClient = {
    socket,
    received,
    closed: new Promise((r) => socket.once('close', () => ((closed = true), r()))),
    isClosed: () => closed,
  };
  await new Promise<void>((r, j) => socket.once('connect', r).once('error', j));
  socket.write(connectPacket({ clientId: id, username: id, password }));
  try {
    return await connackCode(c);
  } finally {
    socket.destroy();
  }
}

describe('haproxy send-proxy-v2 in front of a broker node', async () => {
  const t = await startTestBroker({
    demo: { communes: 1, countersPerCommune: 6, hamletsPerCommune: 1 },
    config: {
      proxyProtocol: { trusted: ['127.0.0.1'] },
      loginThrottle: {
        perAddress: { burst: 1, perMinute: 1 },
        perClientId: { burst: 50, perMinute: 50 },
        refusalDelayMs: 0,
      },
    },
  });
  const lb = new LocalHaproxy({
    dir: join(dir, 'haproxy'),
    nodes: [{ name: 'a', port: t.broker.port }],
    sendProxy: true,
  });
  await lb.start();
  afterAll(() => lb.stop());
  const ids = [...t.registry.devices.keys()].filter((id) => id !== BOX2);

  it('the attacker’s address is held back; a device behind the same balancer logs in', async () => {
    expect(await connectFrom(lb.port, '127.0.0.5', BOX2, 'sai-mat-khau')).toBe(4);
    expect(await connectFrom(lb.port, '127.0.0.5', ids[0], t.secrets[ids[0]])).toBe(4);
    expect(t.broker.stats().refusals['auth-throttled']).toBe(1);
    expect(await connectFrom(lb.port, '127.0.0.6', ids[0], t.secrets[ids[0]])).toBe(0);
    expect(await connectFrom(lb.port, '127.0.0.6', ids[1], t.secrets[ids[1]])).toBe(0);
  });

  it('haproxy’s health checks (LOCAL headers) keep the node up and are no refusal', async () => {
    await sleep(1_500); // three check intervals
    expect(t.broker.stats().refusals['proxy-header-malformed'] ?? 0).toBe(0);
    expect(await connectFrom(lb.port, '127.0.0.7', ids[2], t.secrets[ids[2]])).toBe(0);
  });
});

describe('the documented province balancer', () => {
  it('is a config haproxy accepts, and sends PROXY v2 headers to every node, checks included', () => {
    const out = execFileSync(HAPROXY, ['-c', '-f', 'deploy/province/haproxy.cfg'], { encoding: 'utf8' });
    expect(out).toMatch(/Configuration file is valid/);
    const cfg = execFileSync('grep', ['default-server', 'deploy/province/haproxy.cfg'], { encoding: 'utf8' });
    for (const line of cfg.trim().split('\n')) expect(line).toMatch(/send-proxy-v2 check-send-proxy/);
  });
});
