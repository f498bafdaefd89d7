import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectAsync } from 'mqtt';
import {
  BROKER_REFUSALS_FILTER,
  BrokerRefusalsPayload,
  brokerRefusalsTopic,
} from '../../devices/contract/broker-refusals.ts';
import { BOX, collect, Province, waitFor } from './helpers.ts';

/** Two nodes count their own refusals, each on its own retained topic: neither overwrites the other. */
const p = new Province();
beforeAll(() => p.start({ communes: 2, countersPerCommune: 1 }), 60_000);
afterAll(() => p.stop());

const wrongPassword = (port: number) =>
  connectAsync(`mqtt://127.0.0.1:${port}`, {
    clientId: BOX,
    username: BOX,
    password: 'wrong',
    protocolVersion: 4,
    reconnectPeriod: 0,
  }).then(
    (c) => c.endAsync(true).then(() => 'connected'),
    () => 'refused',
  );

describe('refusal counts of several nodes', () => {
  it('each node publishes its own counts on $SYS/tt/broker/refusals/<node>; both retained copies survive and sum', async () => {
    const a = await p.node({ cluster: { heartbeatIntervalMs: 300, nodeName: 'node-a' } });
    const b = await p.node({ cluster: { heartbeatIntervalMs: 300, nodeName: 'node-b' } });
    expect(await wrongPassword(a.port)).toBe('refused');
    expect(await wrongPassword(a.port)).toBe('refused');
    expect(await wrongPassword(b.port)).toBe('refused');
    // a late subscriber on node b sees both nodes' retained counts (with one topic, only the last writer's)
    await waitFor(
      async () => {
        const probe = await p.connect('collector', b.port, { clientId: 'collector', clean: true });
        const seen = await collect(probe, [BROKER_REFUSALS_FILTER]);
        await new Promise((r) => setTimeout(r, 300));
        await probe.endAsync(true);
        const last = new Map(
          seen.filter((m) => m.retain).map((m) => [m.topic, BrokerRefusalsPayload.parse(JSON.parse(m.payload))]),
        );
        const bad = (node: string) => last.get(brokerRefusalsTopic(node))?.refusals['auth-bad-password'];
        return (
          bad('node-a') === 2 &&
          bad('node-b') === 1 &&
          [...last].every(([topic, v]) => topic === brokerRefusalsTopic(v.node))
        );
      },
      20_000,
      'node-a counting 2 and node-b 1, each on its own topic',
    );
    expect(a.stats().refusals['auth-bad-password']).toBe(2);
    expect(b.stats().refusals['auth-bad-password']).toBe(1);
    await Promise.all([a.close(), b.close()]);
  });
});
