import { createServer, type Server, type Socket } from 'node:net';
import { Aedes } from 'aedes';
import mqtt, { type MqttClient } from 'mqtt';
import { freePort } from '../../infra/ports.ts';

import { waitFor } from '../harness/wait.ts';
export { waitFor };

/** A plain aedes over TCP (no auth: the project broker is tested in tests/broker). Restartable on the same port. */
export class TestBroker {
  broker?: Aedes;
  server?: Server;
  port = 0;
  #sockets = new Set<Socket>();

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.port ||= await freePort();
    const broker = await Aedes.createBroker();
    const server = createServer((socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
      broker.handle(socket);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.broker = broker;
    this.server = server;
  }

  /** a crash-like stop: every connection cut, in-memory state (retained, sessions) lost */
  async stop(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    await new Promise<void>((resolve) => (this.broker ? this.broker.close(() => resolve()) : resolve()));
    this.server = undefined;
    this.broker = undefined;
  }
}

/** A subscriber that records every message; reconnects by itself (a restarted broker forgets it). */
export async function recorder(url: string, filters: string[], clientId = `rec-${Math.random().toString(16).slice(2)}`) {
  const messages: { topic: string; payload: Buffer; qos: number; retain: boolean }[] = [];
  const client: MqttClient = mqtt.connect(url, { clientId, reconnectPeriod: 200, clean: true });
  client.on('connect', () => filters.length && client.subscribe(filters, { qos: 1 }));
  client.on('message', (topic, payload, packet) => messages.push({ topic, payload, qos: packet.qos, retain: packet.retain }));
  await waitFor(() => client.connected, 20_000, 'recorder connected');
  // subscriptions are granted before we return
  if (filters.length) await new Promise<void>((resolve, reject) => client.subscribe(filters, { qos: 1 }, (err) => (err ? reject(err) : resolve())));
  return {
    client,
    messages,
    json: (topic: string) => messages.filter((m) => m.topic === topic).map((m) => JSON.parse(m.payload.toString()) as Record<string, unknown>),
    close: () => new Promise<void>((resolve) => client.end(true, {}, () => resolve())),
  };
}
