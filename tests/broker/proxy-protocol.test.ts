import { execFileSync } from 'node:child_process';
import { connect as netConnect } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import pino from 'pino';
import {
  Command,
  INETProtocol,
  IPv4Address,
  IPv4ProxyAddress,
  IPv6Address,
  IPv6ProxyAddress,
  Peer,
  TransportProtocol,
  V1ProxyProtocol,
  V2ProxyProtocol,
} from 'proxy-protocol-js';
import { describe, expect, it } from 'vitest';
import { frameProxyHeader } from '../../broker/proxy-protocol.ts';
import { tempDir } from '../harness/temp.ts';
import { BOX, BOX2, startTestBroker } from './helpers.ts';
import { connackCode, connectPacket, rawConnect, sleep } from './raw.ts';

/**
 * The PROXY protocol from a trusted balancer: the broker takes the device's address from the header, so the
 * per-address login throttle holds back the attacking address and not the whole province behind the balancer.
 * The balancer here is the test itself, from 127.0.0.1; tests/cluster/proxy-haproxy.test.ts uses a real haproxy.
 */

/** a v2 header (what haproxy's send-proxy-v2 writes) naming `address` as the client */
function v2Header(address: string, port = 40_000): Buffer {
  const ip = IPv4Address.createFrom(address.split('.').map(Number));
  return Buffer.from(
    new V2ProxyProtocol(
      Command.PROXY,
      TransportProtocol.STREAM,
      new IPv4ProxyAddress(ip, port, IPv4Address.createFrom([10, 0, 0, 11]), 1883),
    ).build(),
  );
}

const v1Header = (address: string) =>
  Buffer.from(
    new V1ProxyProtocol(INETProtocol.TCP4, new Peer(address, 40_001), new Peer('10.0.0.11', 1883)).build(),
    'latin1',
  );

describe('frameProxyHeader (the header alone)', () => {
  const after = Buffer.from([0x10, 0x00]); // the first bytes of an MQTT CONNECT

  it('reads v1 and v2 headers and where they end, however the bytes are cut', () => {
    const v1 = v1Header('203.0.113.7');
    expect(frameProxyHeader(Buffer.concat([v1, after]))).toEqual({
      kind: 'header',
      length: v1.length,
      address: '203.0.113.7',
    });
    const v2 = v2Header('198.51.100.9');
    expect(frameProxyHeader(Buffer.concat([v2, after]))).toEqual({
      kind: 'header',
      length: 28,
      address: '198.51.100.9',
    });
    for (const whole of [v1, v2])
      for (let cut = 1; cut < whole.length; cut++) expect(frameProxyHeader(whole.subarray(0, cut)).kind).toBe('more');
    const v6 = Buffer.from(
      new V2ProxyProtocol(
        Command.PROXY,
        TransportProtocol.STREAM,
        new IPv6ProxyAddress(
          IPv6Address.createFrom([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x2a]),
          1,
          IPv6Address.createFrom(new Array(16).fill(0)),
          2,
        ),
      ).build(),
    );
    expect(frameProxyHeader(v6)).toMatchObject({ kind: 'header', address: '2001:db8:0:0:0:0:0:2a' });
  });

  it('a health check (LOCAL) and UNKNOWN name no client: the peer’s own address stands', () => {
    const local = Buffer.from(
      new V2ProxyProtocol(
        Command.LOCAL,
        TransportProtocol.UNSPEC,
        new IPv4ProxyAddress(IPv4Address.createWithEmptyAddress(), 0, IPv4Address.createWithEmptyAddress(), 0),
      ).build(),
    );
    expect(frameProxyHeader(local)).toMatchObject({ kind: 'header', address: null });
    expect(frameProxyHeader(Buffer.from('PROXY UNKNOWN\r\n'))).toEqual({ kind: 'header', length: 15, address: null });
  });

  it('refuses what is not a header, a v1 line too long or with a bad address, a v2 of another version or too big', () => {
    const bad = (b: Buffer) => {
      const f = frameProxyHeader(b);
      expect(f.kind, b.toString('latin1')).toBe('bad');
      return f.kind === 'bad' ? f.why : '';
    };
    expect(bad(Buffer.from([0x10, 0x1a, 0x00, 0x04]))).toMatch(/no PROXY header/);
    expect(bad(Buffer.from(`PROXY TCP4 ${'1'.repeat(120)}`))).toMatch(/longer than 107/);
    expect(bad(Buffer.from('PROXY TCP4 999.1.1.1 10.0.0.1 1 2\r\n'))).toMatch(/PROXY v1/);
    expect(bad(Buffer.from('PROXY TCP4 nhà-văn-hóa 10.0.0.1 1 2\r\n'))).toMatch(/PROXY v1/);
    const v2 = v2Header('203.0.113.7');
    const v3 = Buffer.from(v2);
    v3[12] = 0x31;
    expect(bad(v3)).toMatch(/version 3/);
    const huge = Buffer.from(v2);
    huge.writeUInt16BE(60_000, 14);
    expect(bad(huge)).toMatch(/at most/);
  });
});

describe('broker behind a balancer that sends PROXY headers', async () => {
  const lines: { reason?: string; detail?: string }[] = [];
  const log = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  const dir = tempDir('tt-proxy-');
  const tls = (() => {
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key].concat([
        '-out',
        cert,
        '-days',
        '2',
        '-subj',
        '/CN=tt-proxy',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ]),
      { stdio: 'ignore' },
    );
    return { key: readFileSync(key), cert: readFileSync(cert) };
  })();
  const t = await startTestBroker({
    log,
    tls,
    demo: { communes: 1, countersPerCommune: 6, hamletsPerCommune: 1 },
    config: {
      tls: { port: 0, cert: '(test)', key: '(test)' },
      proxyProtocol: { trusted: ['127.0.0.0/8'], headerTimeoutMs: 500 },
      // one failed verification empties an address: which address it was is what is tested
      loginThrottle: {
        perAddress: { burst: 1, perMinute: 1 },
        perClientId: { burst: 50, perMinute: 50 },
        refusalDelayMs: 0,
      },
    },
  });
  const ids = [...t.registry.devices.keys()].filter((id) => id !== BOX && id !== BOX2);
  const plainPort = t.broker.port;
  const tlsPort = t.broker.tlsPort!;

  /** a CONNECT behind `header`, over plain TCP, header and CONNECT in one segment or two */
  async function viaPlain(header: Buffer, id: string, password: string, split = false): Promise<number> {
    const c = await rawConnect(plainPort);
    const connect = connectPacket({ clientId: id, username: id, password });
    if (split) {
      c.socket.write(header.subarray(0, 7));
      await sleep(30);
      c.socket.write(Buffer.concat([header.subarray(7), connect.subarray(0, 3)]));
      await sleep(30);
      c.socket.write(connect.subarray(3));
    } else c.socket.write(Buffer.concat([header, connect]));
    try {
      return await connackCode(c);
    } finally {
      c.socket.destroy();
    }
  }

  /** the same through TLS passed through the balancer: header on the raw connection, then the handshake */
  async function viaTls(header: Buffer, id: string, password: string): Promise<number> {
    const raw = netConnect(tlsPort, '127.0.0.1');
    await new Promise<void>((r, j) => raw.once('connect', r).once('error', j));
    raw.write(header);
    const secure = tlsConnect({ socket: raw, ca: tls.cert, host: '127.0.0.1' });
    secure.on('error', () => {});
    await new Promise<void>((r, j) => secure.once('secureConnect', r).once('error', j));
    const got: Buffer[] = [];
    secure.on('data', (b: Buffer) => got.push(b));
    secure.write(connectPacket({ clientId: id, username: id, password }));
    const deadline = Date.now() + 20_000;
    try {
      while (Date.now() < deadline) {
        const all = Buffer.concat(got);
        if (all.length >= 4 && all[0] === 0x20) return all[3];
        await sleep(20);
      }
      throw new Error('no CONNACK over TLS');
    } finally {
      secure.destroy();
    }
  }

  it('a wrong password from one address holds back that address only, not the others behind the balancer', async () => {
    const [first, second] = ids;
    expect(await viaPlain(v2Header('203.0.113.7'), BOX2, 'sai-mat-khau')).toBe(4);
    // the attacker's address is spent: a right first login from it waits its refill
    expect(await viaPlain(v2Header('203.0.113.7', 40_002), first, t.secrets[first])).toBe(4);
    expect(lines.some((l) => l.reason === 'auth-throttled' && l.detail === 'address 203.0.113.7')).toBe(true);
    // another commune office, behind the same balancer: in (v1 header, cut across three segments)
    expect(await viaPlain(v1Header('198.51.100.9'), first, t.secrets[first], true)).toBe(0);
    expect(await viaPlain(v2Header('198.51.100.10'), second, t.secrets[second])).toBe(0);
  });

  it('the same through TLS: the header before the handshake names the device', async () => {
    const [, , third, fourth] = ids;
    expect(await viaTls(v2Header('203.0.113.20'), BOX2, 'sai-lan-nua')).toBe(4);
    expect(await viaTls(v2Header('203.0.113.20', 40_003), third, t.secrets[third])).toBe(4);
    expect(await viaTls(v1Header('198.51.100.21'), fourth, t.secrets[fourth])).toBe(0);
  });

  it('a trusted connection without a header, or with a broken one, is closed and counted; the broker goes on', async () => {
    const count = () => t.broker.stats().refusals['proxy-header-malformed'] ?? 0;
    expect(count()).toBe(0);
    // a TLS connection that sends nothing is closed at its header timeout (the first of its kind: logged)
    const silent = netConnect(tlsPort, '127.0.0.1');
    silent.on('error', () => {});
    await new Promise((r) => silent.once('close', r));
    expect(count()).toBe(1);
    expect(
      lines.some((l) => l.reason === 'proxy-header-malformed' && /no PROXY header within 500 ms/.test(l.detail ?? '')),
    ).toBe(true);
    const bare = await rawConnect(plainPort);
    bare.socket.write(connectPacket({ clientId: BOX, username: BOX, password: t.secrets[BOX] }));
    await bare.closed;
    expect(Buffer.concat(bare.received).length).toBe(0); // no CONNACK: aedes never saw it
    const broken = await rawConnect(plainPort);
    broken.socket.write('PROXY TCP4 1.2.3 10.0.0.1 1 2\r\n');
    await broken.closed;
    expect(count()).toBe(3);
    // and the right path still works
    expect(await viaPlain(v2Header('198.51.100.30'), BOX, t.secrets[BOX])).toBe(0);
  });
});

describe('a peer that is not a trusted balancer', async () => {
  const t = await startTestBroker({
    demo: { communes: 1, countersPerCommune: 2, hamletsPerCommune: 1 },
    config: { proxyProtocol: { trusted: ['10.9.9.9'] } },
  });

  it('cannot name another address: its header is not read, and the connection fails as the garbage it is', async () => {
    const c = await rawConnect(t.broker.port);
    c.socket.write(
      Buffer.concat([
        v2Header('198.51.100.9'),
        connectPacket({ clientId: BOX, username: BOX, password: t.secrets[BOX] }),
      ]),
    );
    await c.closed;
    expect(Buffer.concat(c.received).length).toBe(0);
  });

  it('connects directly, as without a balancer', async () => {
    const box = await t.connect(BOX);
    expect(box.connected).toBe(true);
  });
});
