import type { Socket } from 'node:net';
import mqttPacket from 'mqtt-packet';
import type { Clock } from '../infra/clock.ts';
import type { RefusalReason } from './refusals.ts';

/**
 * The framing guard: a small duplex in front of aedes that reads every MQTT fixed header itself.
 *
 * aedes' parser (mqtt-packet) buffers a packet until its declared remaining length has arrived and only
 * then looks at it, so a CONNECT declaring 268,435,455 bytes makes an unauthenticated socket buffer
 * 256 MB. Here the declared length (§2.2.3) is checked as soon as its varint is read, before the body:
 * a small limit until the client has logged in, a larger one after; over it, the socket is closed and
 * counted. The guard assembles each packet (so it never holds more than the limit) and hands aedes
 * whole packets only. It sits on the socket itself, in front of the socket's own readable buffer
 * (the `push` the socket's handle calls for every chunk read), rather than as a second stream per
 * connection: a duplex wrapper cost about 1.5 KB of heap per connection (its two stream states,
 * listeners and buffers), a tenth of a node's budget at province scale. aedes reads and writes the
 * socket as usual. It also:
 * - closes a connection whose CONNECT has not arrived within a bound, and one whose packet started
 *   but did not complete within a bound (a client trickling one byte a second), counted;
 * - checks the CONNECT's protocol name and level (§3.1.2.1, §3.1.2.2) and parses it once, so every
 *   malformed CONNECT is counted: a level other than 4 (MQTT 3.1.1) gets CONNACK 0x01 [MQTT-3.1.2-2],
 *   a wrong name or a lying length is closed [MQTT-3.1.2-1, MQTT-4.8.0-1];
 * - drops a PUBLISH whose topic name cannot be a topic name (a wildcard [MQTT-3.3.2-2], empty
 *   [MQTT-4.7.3-1] or U+0000 [MQTT-1.5.3-2]) and acknowledges it (see below).
 *
 * Poison message policy. Strictly such a PUBLISH is a protocol violation and §4.8 has the server close
 * the connection; but the client keeps the unacknowledged QoS 1 message and resends it on every
 * reconnect (§4.4), so one bad message queued by a device blocks all its good ones behind it for ever.
 * The spec gives the server another answer for a PUBLISH it will not deliver: "It MUST either make a
 * positive acknowledgement, according to the normal QoS rules, or close the Network Connection"
 * [MQTT-3.3.5-2]. A topic name with a wildcard is one no ACL grants, so it gets that answer, the same as
 * every refused publish here: PUBACK (QoS 1), PUBREC then PUBCOMP for its PUBREL (QoS 2), nothing (QoS 0),
 * delivered to nobody, counted.
 */
export type FrameLimits = {
  /** largest remaining length accepted before the client has logged in (CONNECT: ids, credentials, will) */
  connectMaxBytes: number;
  /** largest remaining length accepted after login */
  packetMaxBytes: number;
  /** a packet whose first byte arrived must be complete within this */
  packetTimeoutMs: number;
  /** the CONNECT must be complete within this of the connection opening */
  connectTimeoutMs: number;
};

export type GuardRefusal = (reason: RefusalReason, detail: string) => void;

const TYPE = { connect: 1, publish: 3, pubrel: 6 } as const;
const CONNACK_UNACCEPTABLE_PROTOCOL = Buffer.from([0x20, 0x02, 0x00, 0x01]);

const GUARDED = Symbol('frame-guard');

/** Put the guard on a new socket, before aedes reads from it. */
export function guardSocket(socket: Socket, limits: FrameLimits, clock: Clock, refuse: GuardRefusal): void {
  const guard = new FrameGuard(socket, limits, clock, refuse);
  (socket as unknown as Record<symbol, FrameGuard>)[GUARDED] = guard;
}

/** authentication succeeded on this connection: the larger limit applies from now on */
export function markLoggedIn(conn: unknown): void {
  (conn as Record<symbol, FrameGuard | undefined> | undefined)?.[GUARDED]?.loggedIn();
}

class FrameGuard {
  #socket: Socket;
  #limits: FrameLimits;
  #clock: Clock;
  #refuse: GuardRefusal;
  /** the socket's own push: what the guard lets through goes into its readable buffer */
  #push: (chunk: Buffer | null) => boolean;
  #pushed = true;
  #loggedIn = false;
  #connectSeen = false;
  // the partial-packet state exists only while a packet straddles reads (allocated then, not per connection)
  #header?: number[];
  #need = -1; // body bytes still to read; -1 while reading the fixed header
  #body?: Buffer[];
  #packetTimer?: { cancel(): void } | undefined;
  #connectTimer?: { cancel(): void } | undefined;
  /** packet ids of poisoned QoS 2 publishes whose PUBREL we answer ourselves */
  #poisonedQos2?: Set<number>;
  #closed = false;

  constructor(socket: Socket, limits: FrameLimits, clock: Clock, refuse: GuardRefusal) {
    this.#socket = socket;
    this.#limits = limits;
    this.#clock = clock;
    this.#refuse = refuse;
    const push = socket.push;
    this.#push = (chunk) => push.call(socket, chunk);
    socket.push = (chunk: Buffer | null) => (chunk === null || this.#closed ? this.#push(chunk) : this.#onData(chunk));
    this.#connectTimer = clock.setTimeout(
      () => this.#close('connect-timeout', `no CONNECT within ${limits.connectTimeoutMs} ms`),
      limits.connectTimeoutMs,
    );
  }

  loggedIn(): void {
    this.#loggedIn = true;
  }

  #stop(): void {
    this.#closed = true;
    this.#packetTimer?.cancel();
    this.#connectTimer?.cancel();
    this.#packetTimer = this.#connectTimer = undefined;
    this.#header = this.#body = undefined;
  }

  #close(reason: RefusalReason, detail: string): void {
    if (this.#closed) return;
    this.#stop();
    if (this.#socket.destroyed) return; // gone on its own before the bound: nothing to refuse
    this.#refuse(reason, detail);
    this.#socket.destroy();
  }

  #onData(chunk: Buffer): boolean {
    this.#pushed = true;
    let off = 0;
    // complete, accepted packets lying whole in this chunk are handed on as one slice of it, without a copy
    let run = -1;
    const flush = (end: number) => {
      if (run >= 0 && end > run && !this.#closed) this.#emit(chunk.subarray(run, end));
      run = -1;
    };
    while (off < chunk.length && !this.#closed) {
      if (this.#need < 0 && !this.#header) {
        const whole = this.#wholePacketAt(chunk, off);
        if (this.#closed) return true;
        if (whole) {
          const end = off + whole.headerLength + whole.length;
          if (this.#accept(chunk.subarray(off, end), whole.headerLength)) {
            if (run < 0) run = off;
          } else {
            flush(off);
          }
          off = end;
          continue;
        }
      }
      flush(off);
      if (this.#need < 0) {
        const byte = chunk[off++]!;
        const header = (this.#header ??= []);
        header.push(byte);
        if (header.length === 1) {
          if (!this.#typeAcceptable(byte >> 4)) return true;
          continue;
        }
        if (byte & 0x80) {
          if (header.length === 5) {
            this.#close('frame-malformed', 'remaining length longer than 4 bytes');
            return true;
          }
          continue;
        }
        let length = 0;
        for (let i = header.length - 1; i >= 1; i--) length = length * 128 + (header[i]! & 0x7f);
        if (!this.#lengthAcceptable(length)) return true;
        this.#need = length;
        this.#body = [];
      } else {
        const take = Math.min(this.#need, chunk.length - off);
        this.#body!.push(chunk.subarray(off, off + take));
        off += take;
        this.#need -= take;
      }
      if (this.#need === 0) this.#complete();
    }
    flush(off);
    if (this.#header && !this.#packetTimer && !this.#closed) {
      this.#packetTimer = this.#clock.setTimeout(
        () => this.#close('frame-slow', `packet not complete within ${this.#limits.packetTimeoutMs} ms`),
        this.#limits.packetTimeoutMs,
      );
    }
    return this.#pushed;
  }

  /** a packet whose fixed header and body are all inside `chunk` at `off` (the common case), checked; else undefined */
  #wholePacketAt(chunk: Buffer, off: number): { headerLength: number; length: number } | undefined {
    if (!this.#typeAcceptable(chunk[off]! >> 4)) return undefined;
    let length = 0;
    let multiplier = 1;
    for (let i = 1; i <= 4; i++) {
      if (off + i >= chunk.length) return undefined; // the varint goes on in the next chunk
      const byte = chunk[off + i]!;
      length += (byte & 0x7f) * multiplier;
      multiplier *= 128;
      if (!(byte & 0x80)) {
        if (!this.#lengthAcceptable(length)) return undefined;
        return off + 1 + i + length <= chunk.length ? { headerLength: 1 + i, length } : undefined;
      }
    }
    this.#close('frame-malformed', 'remaining length longer than 4 bytes');
    return undefined;
  }

  #typeAcceptable(type: number): boolean {
    if (type === 0 || type === 15) return this.#reject('frame-malformed', `reserved packet type ${type}`);
    if (!this.#connectSeen && type !== TYPE.connect)
      return this.#reject('connect-malformed', `first packet is type ${type}, not CONNECT`);
    return true;
  }

  #lengthAcceptable(length: number): boolean {
    const limit = this.#loggedIn ? this.#limits.packetMaxBytes : this.#limits.connectMaxBytes;
    if (length <= limit) return true;
    return this.#reject(
      this.#loggedIn ? 'frame-too-large' : 'frame-too-large-before-login',
      `declared ${length} bytes > ${limit}`,
    );
  }

  /** into the socket's readable buffer; false (buffer full) makes the socket stop reading, as without the guard */
  #emit(bytes: Buffer): void {
    this.#pushed = this.#push(bytes);
  }

  #complete(): void {
    const header = this.#header!;
    const packet = Buffer.concat([Buffer.from(header), ...this.#body!]);
    const bodyAt = header.length;
    this.#header = this.#body = undefined;
    this.#need = -1;
    this.#packetTimer?.cancel();
    this.#packetTimer = undefined;
    if (this.#accept(packet, bodyAt)) this.#emit(packet);
  }

  /** a complete packet: hand it to aedes (true), or it was answered, dropped or refused here (false) */
  #accept(packet: Buffer, bodyAt: number): boolean {
    const type = packet[0]! >> 4;
    if (type === TYPE.connect && !this.#connectSeen) {
      this.#connectSeen = true;
      this.#connectTimer?.cancel();
      this.#connectTimer = undefined;
      return this.#connectAcceptable(packet, bodyAt);
    }
    if (type === TYPE.connect) return this.#reject('connect-malformed', 'a second CONNECT on the connection'); // [MQTT-3.1.0-2]
    if (type === TYPE.publish) return this.#publishAcceptable(packet, bodyAt);
    if (type === TYPE.pubrel && packet.length >= bodyAt + 2) {
      const id = packet.readUInt16BE(bodyAt);
      if (this.#poisonedQos2?.delete(id)) {
        this.#socket.write(Buffer.from([0x70, 0x02, id >> 8, id & 0xff])); // PUBCOMP
        return false;
      }
    }
    return true;
  }

  /** protocol name and level first (so a wrong level gets its CONNACK), then a full parse for lying lengths */
  #connectAcceptable(packet: Buffer, at: number): boolean {
    if (packet.length < at + 2) return this.#reject('connect-malformed', 'CONNECT too short');
    const nameLength = packet.readUInt16BE(at);
    if (packet.length < at + 2 + nameLength + 1)
      return this.#reject('connect-malformed', 'protocol name longer than the packet');
    const name = packet.toString('latin1', at + 2, at + 2 + nameLength);
    const level = packet[at + 2 + nameLength];
    if (name === 'MQTT' && level === 4) {
      const problem = parseProblem(packet);
      return problem ? this.#reject('connect-malformed', problem) : true;
    }
    if ((name === 'MQTT' && level !== 4) || (name === 'MQIsdp' && level === 3)) {
      // §3.1.2.2: a supported name with an unsupported level is answered CONNACK 0x01, then closed
      this.#refuse('auth-protocol-version', `${JSON.stringify(name)} level ${level} (MQTT 3.1.1 only)`);
      this.#stop();
      this.#socket.end(CONNACK_UNACCEPTABLE_PROTOCOL);
      return false;
    }
    return this.#reject('connect-malformed', `protocol name ${JSON.stringify(name.slice(0, 16))}`);
  }

  #publishAcceptable(packet: Buffer, at: number): boolean {
    if (packet.length < at + 2) return true; // aedes' parser refuses it as malformed
    const topicLength = packet.readUInt16BE(at);
    const qos = (packet[0]! >> 1) & 3;
    const idAt = at + 2 + topicLength;
    if (packet.length < idAt + (qos > 0 ? 2 : 0)) return true;
    const topic = packet.toString('utf8', at + 2, idAt);
    const why =
      topic.length === 0
        ? 'empty topic'
        : topic.includes('+') || topic.includes('#')
          ? 'wildcard in topic name'
          : topic.includes('\u0000')
            ? 'U+0000 in topic name'
            : undefined;
    if (!why) return true;
    this.#refuse(
      why === 'wildcard in topic name' ? 'publish-wildcard-topic' : 'publish-invalid-topic',
      `${why}: ${JSON.stringify(topic.slice(0, 200))}`,
    );
    if (qos === 1 || qos === 2) {
      const id = packet.readUInt16BE(idAt);
      if (qos === 2) (this.#poisonedQos2 ??= new Set()).add(id);
      // PUBACK / PUBREC on the socket aedes writes to, so in order with its writes
      this.#socket.write(Buffer.from([qos === 1 ? 0x40 : 0x50, 0x02, id >> 8, id & 0xff]));
    }
    return false;
  }

  #reject(reason: RefusalReason, detail: string): false {
    this.#close(reason, detail);
    return false;
  }
}

/** mqtt-packet's own parse of a complete CONNECT: what it would refuse (lying string lengths, bad flags) */
function parseProblem(packet: Buffer): string | undefined {
  const parser = mqttPacket.parser({ protocolVersion: 4 });
  let problem: string | undefined;
  let parsed = false;
  parser.on('error', (err: Error) => (problem ??= err.message));
  parser.on('packet', () => (parsed = true));
  parser.parse(packet);
  return problem ?? (parsed ? undefined : 'CONNECT fields longer than the packet');
}
