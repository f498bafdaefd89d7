import { createServer, type Server, type Socket } from 'node:net';
import { Aedes } from 'aedes';
import { freePort } from '../../infra/ports.ts';

/**
 * A plain aedes over TCP on 127.0.0.1 (no auth: the project broker is tested in tests/broker and started with
 * `startProjectBroker`). Restartable on the same port; `stop()` is crash-like unless asked to be graceful.
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

  /**
   * A crash-like stop: every connection cut, in-memory state (retained, sessions) lost. `graceful`: aedes closes
   * its clients first, as an operator's restart does (their wills fire, the clients reconnect).
   */
  async stop({ graceful = false }: { graceful?: boolean } = {}): Promise<void> {
    const { broker, server } = this;
    this.server = undefined;
    this.broker = undefined;
    const closeServer = () => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    const closeBroker = () => new Promise<void>((resolve) => (broker ? broker.close(() => resolve()) : resolve()));
    if (graceful) {
      await closeBroker();
      await closeServer();
      return;
    }
    for (const s of this.#sockets) s.destroy();
    await closeServer();
    await closeBroker();
  }

  /** stop (crash-like unless `graceful`) and listen again on the same port, empty */
  async restart(opts: { graceful?: boolean } = {}): Promise<void> {
    await this.stop(opts);
    await this.start();
  }
}

/** a started TestBroker */
export async function startPlainBroker(): Promise<TestBroker> {
  const b = new TestBroker();
  await b.start();
  return b;
}
