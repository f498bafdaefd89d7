import { connect as netConnect, type Socket } from 'node:net';
import mqttPacket from 'mqtt-packet';

/** Raw TCP clients for attacks a real MQTT library will not make (lying lengths, trickling, floods). */
export type RawClient = { socket: Socket; received: Buffer[]; closed: Promise<void>; isClosed(): boolean };

export async function rawConnect(port: number): Promise<RawClient> {
  const socket = netConnect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const received: Buffer[] = [];
  let isClosed = false;
  socket.on('data', (b) => received.push(b));
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.once('close', () => ((isClosed = true), resolve())));
  return { socket, received, closed, isClosed: () => isClosed };
}

export function connectPacket(opts: {
  clientId: string;
  username?: string;
  password?: string;
  keepalive?: number;
  clean?: boolean;
}): Buffer {
  return mqttPacket.generate({
    cmd: 'connect',
    protocolId: 'MQTT',
    protocolVersion: 4,
    clean: opts.clean ?? true,
    clientId: opts.clientId,
    keepalive: opts.keepalive ?? 30,
    ...(opts.username ? { username: opts.username } : {}),
    ...(opts.password ? { password: Buffer.from(opts.password) } : {}),
  });
}

/** a fixed header declaring `length` bytes (remaining-length varint, §2.2.3) */
export function fixedHeader(firstByte: number, length: number): Buffer {
  const bytes = [firstByte];
  do {
    let digit = length % 128;
    length = Math.floor(length / 128);
    if (length > 0) digit |= 0x80;
    bytes.push(digit);
  } while (length > 0);
  return Buffer.from(bytes);
}

/** write up to `total` bytes of filler, honouring back-pressure, until the peer closes; returns bytes written */
export async function flood(
  client: RawClient,
  total: number,
  chunk = Buffer.alloc(1024 * 1024, 0x61),
): Promise<number> {
  let written = 0;
  while (written < total && !client.isClosed() && !client.socket.destroyed) {
    written += chunk.length;
    if (!client.socket.write(chunk)) {
      await Promise.race([new Promise((r) => client.socket.once('drain', r)), client.closed]);
    }
  }
  return written;
}

/** resolves once a CONNACK has arrived, with its return code */
export async function connackCode(client: RawClient, timeoutMs = 20_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const all = Buffer.concat(client.received);
    if (all.length >= 4 && all[0] === 0x20) return all[3];
    if (client.isClosed()) throw new Error('closed without CONNACK');
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('no CONNACK');
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
