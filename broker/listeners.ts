import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import type { Clock } from '../infra/clock.ts';
import type { Logger } from '../infra/logger.ts';
import { BrokerError } from './errors.ts';
import type { ProxyProtocol, ProxyRefusal } from './proxy-protocol.ts';

/** Certificate material for the TLS listener (read from the config's paths by main.ts). */
export type TlsMaterial = { cert: string | Buffer; key: string | Buffer; ca?: string | Buffer };

export type Listener = { port: number; close(): Promise<void> };

type Handle = (socket: Socket) => void;

/** connections from the balancers start with a PROXY header (broker/proxy-protocol.ts) */
export type ProxyOptions = { protocol: ProxyProtocol; refuse: ProxyRefusal; clock: Clock; headerTimeoutMs: number };

/**
 * How many connections the kernel may hold for the broker before it accepts them. Node's default (511) is far
 * below a reconnect storm: when thousands of devices dial at once, the connections past it are dropped by the
 * kernel and each device's TCP stack retries its SYN after 1, 3, 7, 15, 31 s, so the last devices come back long
 * after the broker is idle again. The kernel caps this at net.core.somaxconn (4096 by default since Linux 5.4).
 */
export const LISTEN_BACKLOG = 65_535;

/**
 * A plain TCP or TLS listener feeding sockets to aedes. Sockets are tracked so close() also ends
 * connections aedes has not registered yet (no CONNECT yet, or authentication still running).
 */
export async function listen(opts: {
  host: string;
  port: number;
  tls?: TlsMaterial;
  handle: Handle;
  log: Logger;
  proxy?: ProxyOptions;
}): Promise<Listener> {
  const sockets = new Set<Socket>();
  const proxy = opts.proxy;
  const keep = (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', (err) => opts.log.debug({ err: err.message }, 'socket error'));
  };
  let server: Server;
  if (opts.tls) {
    const tlsServer = createTlsServer(
      { cert: opts.tls.cert, key: opts.tls.key, ...(opts.tls.ca ? { ca: opts.tls.ca } : {}) },
      (socket) => {
        keep(socket);
        proxy?.protocol.claim(socket);
        opts.handle(socket);
      },
    );
    tlsServer.on('tlsClientError', (err) => opts.log.info({ err: err.message }, 'TLS handshake refused'));
    if (proxy) {
      // the header comes before the TLS handshake: read it on the raw connection, then hand that to TLS
      server = createServer((raw) => {
        keep(raw);
        const toTls = () => tlsServer.emit('connection', raw);
        if (!proxy.protocol.trusts(raw)) return toTls();
        proxy.protocol.readHeader(raw, proxy.refuse, proxy.clock, proxy.headerTimeoutMs, toTls);
      });
    } else server = tlsServer;
  } else {
    server = createServer((socket) => {
      keep(socket);
      opts.handle(socket);
      // after the handle: the header is stripped ahead of the frame guard, which sees the bytes after it only
      if (proxy?.protocol.trusts(socket)) proxy.protocol.expectHeader(socket, proxy.refuse);
    });
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) =>
      reject(
        new BrokerError(
          'BROKER_LISTEN_FAILED',
          `không mở được cổng ${opts.host}:${opts.port} (${(err as NodeJS.ErrnoException).code ?? err.message})`,
        ),
      ),
    );
    server.listen({ port: opts.port, host: opts.host, backlog: LISTEN_BACKLOG }, () => resolve());
  });
  server.on('error', (err) => opts.log.error({ err }, 'listener error'));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}
