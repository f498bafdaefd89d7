import { createServer, type Server, type Socket } from 'node:net';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { endClientBounded, PublishTimeoutError, publishWithTimeout } from '../../infra/mqtt-publish.ts';
import { freePort } from '../../infra/ports.ts';
import { waitFor } from '../harness/wait.ts';
import { FakeClock, settle } from '../support/fake-clock.ts';
import { startPlainBroker, type TestBroker } from '../support/test-broker.ts';

let broker: TestBroker;
const clients: MqttClient[] = [];

beforeAll(async () => {
  broker = await startPlainBroker();
});
afterEach(async () => {
  for (const c of clients.splice(0)) c.end(true);
});
afterAll(async () => {
  await broker.stop();
});

async function connected(url: string, opts: mqtt.IClientOptions = {}): Promise<MqttClient> {
  const c = mqtt.connect(url, { protocolVersion: 4, reconnectPeriod: 0, ...opts });
  clients.push(c);
  await waitFor(() => c.connected, 20_000, 'client connected');
  return c;
}

/** a server that says CONNACK and then never answers again: a broker that hangs */
async function silentBroker(): Promise<{ url: string; sockets: Set<Socket>; server: Server }> {
  const port = await freePort();
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.once('data', () => s.write(Buffer.from([0x20, 0x02, 0x00, 0x00])));
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  return { url: `mqtt://127.0.0.1:${port}`, sockets, server };
}

describe('publishWithTimeout', () => {
  it('resolves once the broker has the message, and leaves no timer behind', async () => {
    const clock = new FakeClock();
    const sub = await connected(broker.url);
    const got: string[] = [];
    sub.on('message', (_t, p) => got.push(p.toString()));
    await sub.subscribeAsync('t/ok', { qos: 1 });
    const pub = await connected(broker.url);
    await publishWithTimeout(pub, clock, 't/ok', Buffer.from('xin chào'), { qos: 1 }, 1_000);
    expect(clock.pending).toBe(0);
    await waitFor(() => got.length === 1, 20_000, 'delivered');
    expect(got).toEqual(['xin chào']);
  });

  it('rejects with PUBLISH_TIMEOUT when the injected clock passes the deadline with the client offline', async () => {
    const clock = new FakeClock();
    const port = await freePort();
    // nothing listens: mqtt.js queues the QoS 1 publish and would wait forever
    const offline = mqtt.connect(`mqtt://127.0.0.1:${port}`, { protocolVersion: 4, reconnectPeriod: 50 });
    clients.push(offline);
    let outcome: unknown = 'pending';
    const p = publishWithTimeout(offline, clock, 't/offline', 'x', { qos: 1 }, 3_000).then(
      () => (outcome = 'resolved'),
      (err) => (outcome = err),
    );
    clock.advance(2_999);
    await settle();
    expect(outcome).toBe('pending');
    clock.advance(1);
    await p;
    expect(outcome).toBeInstanceOf(PublishTimeoutError);
    expect((outcome as PublishTimeoutError).code).toBe('PUBLISH_TIMEOUT');
    expect((outcome as Error).message).toContain('t/offline');
  });

  it("passes the client's own error on (even a thrown one) and cancels the timer", async () => {
    const clock = new FakeClock();
    const c = await connected(broker.url);
    await endClientBounded(c, clock);
    await expect(publishWithTimeout(c, clock, 't/ended', 'x', { qos: 1 }, 1_000)).rejects.not.toBeInstanceOf(
      PublishTimeoutError,
    );
    expect(clock.pending).toBe(0);
  });
});

describe('endClientBounded', () => {
  it('disconnects cleanly: the broker does not publish the will', async () => {
    const clock = new FakeClock();
    const watcher = await connected(broker.url);
    const wills: string[] = [];
    watcher.on('message', (t) => wills.push(t));
    await watcher.subscribeAsync('will/#', { qos: 1 });
    const c = await connected(broker.url, {
      will: { topic: 'will/c', payload: Buffer.from('gone'), qos: 1, retain: false },
    });
    await endClientBounded(c, clock);
    expect(c.connected).toBe(false);
    expect(clock.pending).toBe(0);
    // a control message after the ended client's disconnect: if a will were coming it would arrive first
    const marker = await connected(broker.url);
    await publishWithTimeout(marker, clock, 'will/marker', 'm', { qos: 1 }, 1_000);
    await waitFor(() => wills.includes('will/marker'), 20_000, 'marker');
    expect(wills).toEqual(['will/marker']);
  });

  it('ends a client that never connected at once', async () => {
    const clock = new FakeClock();
    const c = mqtt.connect(`mqtt://127.0.0.1:${await freePort()}`, { protocolVersion: 4, reconnectPeriod: 50 });
    clients.push(c);
    await endClientBounded(c, clock);
    expect(c.disconnecting || c.disconnected).toBe(true);
    expect(clock.pending).toBe(0);
  });

  it('cuts the socket when the broker does not answer within the bound', async () => {
    const clock = new FakeClock();
    const silent = await silentBroker();
    try {
      const c = await connected(silent.url);
      // a QoS 1 publish the silent broker never acknowledges keeps a graceful end waiting
      c.publish('t/stuck', 'x', { qos: 1 });
      let ended = false;
      const p = endClientBounded(c, clock, 2_000).then(() => (ended = true));
      await settle();
      expect(ended).toBe(false);
      expect(silent.sockets.size).toBe(1);
      clock.advance(2_000);
      await p;
      await waitFor(() => silent.sockets.size === 0, 20_000, 'socket closed');
    } finally {
      for (const s of silent.sockets) s.destroy();
      await new Promise<void>((r) => silent.server.close(() => r()));
    }
  });
});
