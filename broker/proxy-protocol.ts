import { BlockList, isIP, type Socket } from 'node:net';
import { Command, IPv4ProxyAddress, IPv6ProxyAddress, V1ProxyProtocol, V2ProxyProtocol } from 'proxy-protocol-js';
import type { Clock } from '../infra/clock.ts';
import type { RefusalReason } from './refusals.ts';

/**
 * The PROXY protocol (haproxy's `send-proxy-v2`), so the broker knows which device is behind a balancer.
 *
 * In TCP mode haproxy opens its own connection to a node: without this, every device of the province comes
 * from the balancer's address, and the per-address login throttle (broker/login-throttle.ts) is one bucket for
 * all of them. One wrong-password flood through the balancer would then hold back every first-time login of the
 * province. With it, haproxy starts each connection with a header naming the device's address and port, and
 * the broker reads it before the first MQTT byte.
 *
 * Only peers in `trusted` (the balancers) may send a header, and they must: a trusted connection that does not
 * start with a valid one is closed and counted (`proxy-header-malformed`). Anyone else is a direct client and is
 * never asked for one, so a device cannot claim another address by sending a header itself. A header of the
 * LOCAL command (haproxy's health checks with `check-send-proxy`) or of an unknown family names no client: the
 * peer's own address stands.
 */

const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
const V1_SIGNATURE = Buffer.from('PROXY ', 'latin1');
/** the longest v1 line the spec allows, CRLF included */
const V1_MAX_BYTES = 107;
/** a v2 header: 16 bytes, the addresses (at most 216 for AF_UNIX) and haproxy's optional TLVs */
const V2_MAX_BYTES = 16 + 1024;

export type Framed =
  | { kind: 'more' }
  | { kind: 'bad'; why: string }
  /** `address` null: the header names no client (LOCAL, UNKNOWN), the peer's own address stands */
  | { kind: 'header'; length: number; address: string | null };

/** does `buf` start like `signature` (as far as it goes)? */
const startsLike = (buf: Buffer, signature: Buffer) =>
  buf.subarray(0, signature.length).equals(signature.subarray(0, Math.min(buf.length, signature.length)));

function ipv6(bytes: readonly number[]): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] << 8) | bytes[i + 1]).toString(16));
  return groups.join(':');
}

/**
 * Where the PROXY header at the start of `buf` ends and whom it names; 'more' while it is incomplete.
 * Pure, so every malformed form is tested without sockets.
 */
export function frameProxyHeader(buf: Buffer): Framed {
  if (buf.length === 0) return { kind: 'more' };
  if (startsLike(buf, V2_SIGNATURE)) {
    if (buf.length < 16) return { kind: 'more' };
    if (buf[12] >> 4 !== 2) return { kind: 'bad', why: `PROXY v2 header of version ${buf[12] >> 4}` };
    const length = 16 + buf.readUInt16BE(14);
    if (length > V2_MAX_BYTES)
      return { kind: 'bad', why: `PROXY v2 header of ${length} bytes (at most ${V2_MAX_BYTES})` };
    if (buf.length < length) return { kind: 'more' };
    let header: V2ProxyProtocol;
    try {
      header = V2ProxyProtocol.parse(new Uint8Array(buf.subarray(0, length)));
    } catch (err) {
      return { kind: 'bad', why: `PROXY v2 header: ${(err as Error).message}` };
    }
    if (header.command === Command.LOCAL) return { kind: 'header', length, address: null };
    const a = header.proxyAddress;
    if (a instanceof IPv4ProxyAddress) return { kind: 'header', length, address: a.sourceAddress.address.join('.') };
    if (a instanceof IPv6ProxyAddress) return { kind: 'header', length, address: ipv6(a.sourceAddress.address) };
    return { kind: 'header', length, address: null };
  }
  if (startsLike(buf, V1_SIGNATURE)) {
    const end = buf.subarray(0, V1_MAX_BYTES).indexOf('\r\n');
    if (end < 0) {
      return buf.length >= V1_MAX_BYTES
        ? { kind: 'bad', why: `PROXY v1 line longer than ${V1_MAX_BYTES} bytes` }
        : { kind: 'more' };
    }
    const line = buf.toString('latin1', 0, end + 2);
    const length = end + 2;
    if (/^PROXY UNKNOWN[ \r]/.test(line)) return { kind: 'header', length, address: null };
    try {
      const address = V1ProxyProtocol.parse(line).source.ipAddress;
      if (!isIP(address)) return { kind: 'bad', why: `PROXY v1 source address ${JSON.stringify(address)}` };
      return { kind: 'header', length, address };
    } catch (err) {
      return { kind: 'bad', why: `PROXY v1 line ${JSON.stringify(line.trim())}: ${(err as Error).message}` };
    }
  }
  return { kind: 'bad', why: 'a trusted balancer sent no PROXY header' };
}

export type ProxyRefusal = (reason: RefusalReason, detail: string) => void;

/** IPv4 peers of a dual-stack listener arrive as ::ffff:a.b.c.d */
const plain = (address: string) => (address.startsWith('::ffff:') ? address.slice(7) : address);

export class ProxyProtocol {
  readonly #trusted = new BlockList();
  /** the device's address, per connection (the object aedes holds as client.conn) */
  readonly #addresses = new WeakMap<object, string>();
  /** TLS: the address read on the raw connection, until its TLS socket exists (keyed by the balancer's port) */
  readonly #pending = new Map<string, string>();

  /** @param trusted the balancers: addresses or CIDR ranges (`10.0.0.5`, `10.0.0.0/24`, `fd00::/8`) */
  constructor(trusted: readonly string[]) {
    for (const entry of trusted) {
      const [address, bits] = entry.split('/');
      const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
      if (bits === undefined) this.#trusted.addAddress(address, family);
      else this.#trusted.addSubnet(address, Number(bits), family);
    }
  }

  trusts(socket: Socket): boolean {
    const address = socket.remoteAddress;
    if (!address) return false;
    const p = plain(address);
    return this.#trusted.check(p, isIP(p) === 6 ? 'ipv6' : 'ipv4');
  }

  /** the device's address: the one a trusted balancer named, else the peer's own */
  addressOf(conn: unknown): string {
    const known = this.#addresses.get(conn as object);
    if (known) return known;
    const address = (conn as { remoteAddress?: string } | undefined)?.remoteAddress;
    return address ? plain(address) : '';
  }

  /**
   * Plain TCP: strip the header inside the socket's own push, ahead of the frame guard and aedes, which see the
   * bytes after it only. A bad header closes the connection; one that never comes is the guard's CONNECT timeout.
   */
  expectHeader(socket: Socket, refuse: ProxyRefusal): void {
    const inner = socket.push;
    let held: Buffer | null = null;
    socket.push = (chunk: Buffer | null) => {
      if (chunk === null) return inner.call(socket, chunk);
      const buf: Buffer = held ? Buffer.concat([held, chunk]) : chunk;
      const framed = frameProxyHeader(buf);
      if (framed.kind === 'more') {
        held = buf;
        return true;
      }
      held = null;
      socket.push = inner;
      if (framed.kind === 'bad') {
        refuse('proxy-header-malformed', `${this.addressOf(socket)}: ${framed.why}`);
        socket.destroy();
        return false;
      }
      if (framed.address) this.#addresses.set(socket, framed.address);
      const rest = buf.subarray(framed.length);
      return rest.length > 0 ? inner.call(socket, rest) : true;
    };
  }

  /**
   * TLS passed through the balancer: the header comes before the TLS handshake, on the raw connection. It is
   * read here, what follows it is put back, and `then` hands the connection to the TLS server; the TLS socket
   * made from it finds its address with `claim`.
   */
  readHeader(socket: Socket, refuse: ProxyRefusal, clock: Clock, timeoutMs: number, then: () => void): void {
    let held: Buffer = Buffer.alloc(0);
    const done = () => {
      timer.cancel();
      socket.removeListener('data', onData);
    };
    const timer = clock.setTimeout(() => {
      done();
      refuse('proxy-header-malformed', `${this.addressOf(socket)}: no PROXY header within ${timeoutMs} ms`);
      socket.destroy();
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      held = held.length ? Buffer.concat([held, chunk]) : chunk;
      const framed = frameProxyHeader(held);
      if (framed.kind === 'more') return;
      done();
      socket.pause();
      if (framed.kind === 'bad') {
        refuse('proxy-header-malformed', `${this.addressOf(socket)}: ${framed.why}`);
        socket.destroy();
        return;
      }
      const key = `${socket.remoteAddress}:${socket.remotePort}`;
      if (framed.address) {
        this.#pending.set(key, framed.address);
        socket.once('close', () => this.#pending.delete(key));
      }
      const rest = held.subarray(framed.length);
      if (rest.length > 0) socket.unshift(rest);
      then();
    };
    socket.on('data', onData);
    socket.once('close', () => timer.cancel());
  }

  /** a TLS socket made from a connection `readHeader` read: it takes the address the header named */
  claim(tlsSocket: Socket): void {
    const key = `${tlsSocket.remoteAddress}:${tlsSocket.remotePort}`;
    const address = this.#pending.get(key);
    if (address === undefined) return;
    this.#pending.delete(key);
    this.#addresses.set(tlsSocket, address);
  }
}
