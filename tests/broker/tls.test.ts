import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectAsync } from 'mqtt';
import { describe, expect, it } from 'vitest';
import { channelFilter, topicFor } from '../../devices/topics.ts';
import { tempDir } from '../harness/temp.ts';
import { BOX, collect, publishAcked, startTestBroker, waitFor } from './helpers.ts';

/** a self-signed certificate for 127.0.0.1, made by openssl for this run */
function selfSigned(dir: string) {
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '2',
      '-subj',
      '/CN=tt-broker-test',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  return { key: readFileSync(key), cert: readFileSync(cert) };
}

describe('broker TLS listener', async () => {
  const material = selfSigned(tempDir('tt-broker-tls-'));
  const t = await startTestBroker({ config: { tls: { port: 0, cert: '(test)', key: '(test)' } }, tls: material });

  it('serves MQTT over TLS next to plain TCP, with the same authentication', async () => {
    expect(t.broker.tlsPort).toBeGreaterThan(0);
    expect(t.broker.tlsPort).not.toBe(t.broker.port);
    const collector = await t.connect('collector'); // plain TCP
    const seen = await collect(collector, [channelFilter('state')]);
    const box = await t.connect(BOX, {
      url: `mqtts://127.0.0.1:${t.broker.tlsPort}`,
      ca: material.cert,
      rejectUnauthorized: true,
    });
    await publishAcked(box, topicFor(BOX, 'state'), '{"over":"tls"}');
    await waitFor(() => seen.some((m) => m.payload === '{"over":"tls"}'));
  });

  it('refuses a wrong password over TLS too, and a client that does not trust the certificate', async () => {
    const url = `mqtts://127.0.0.1:${t.broker.tlsPort}`;
    const err = await connectAsync(url, {
      clientId: BOX,
      username: BOX,
      password: 'sai',
      ca: material.cert,
      reconnectPeriod: 0,
      protocolVersion: 4,
    }).then(
      () => undefined,
      (e: { code?: number }) => e,
    );
    expect(err?.code).toBe(4);
    const untrusting = await connectAsync(url, {
      clientId: BOX,
      username: BOX,
      password: t.secrets[BOX],
      reconnectPeriod: 0,
      connectTimeout: 20_000,
      protocolVersion: 4,
    }).then(
      () => 'connected',
      (e: Error) => e.message,
    );
    expect(untrusting).not.toBe('connected');
    expect(t.broker.stats().refusals['auth-bad-password']).toBe(1);
  });
});
