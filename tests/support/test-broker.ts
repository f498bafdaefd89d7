import { createServer, type Server, type Socket } from 'node:net';
import { Aedes } from 'aedes';
import { freePort } from '../../infra/ports.ts';

/**
 * A plain aedes over TCP on 127.0.0.1 (no auth: the project broker is tested in tests/broker and started with
 * `startProjectBroker`). Restartable on the same port; `stop()` is crash-like.
 */
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

/** a started TestBroker */
export async function startPlainBroker(): Promise<TestBroker> {
  const b = new TestBroker();
  await b.start();
  return b;
}
