import { describe, expect, it } from 'vitest';
import { canPublish, canSubscribe, type Identity } from '../../broker/acl.ts';
import { encode } from '../../devices/contract/index.ts';
import { topicFor } from '../../devices/topics.ts';
import { collect, publishAcked, startTestBroker, waitFor } from '../broker/helpers.ts';

const BOX_A = 'xa1-quay1-box'; // commune 90001
const BOX_A2 = 'xa1-quay2-box';
const BOX_B = 'xa2-quay1-box'; // commune 90002
const binding = (dossier: string) =>
  encode('dossier', { v: 1, dossier, procedure: '1.001612', at: new Date().toISOString() });

describe('dossier binding rights (pure ACL)', async () => {
  const t = await startTestBroker({
    demo: { communes: 2 },
    mutate: (file) => {
      const nodeRed = file.services.find((s) => s.id === 'node-red')!;
      (nodeRed as { communes?: string[] }).communes = ['90002'];
    },
  });
  const reason = (v: { ok: boolean; reason?: string }) => (v.ok ? 'ok' : v.reason);
  const integration: Identity = { type: 'service', id: 'node-red', role: 'integration', communes: new Set(['90002']) };
  const box: Identity = { type: 'device', id: BOX_A, kind: 'rating-box', commune: '90001' };

  it('integration binds only boxes of its communes, only rating boxes; a device never binds', () => {
    expect(reason(canPublish(integration, topicFor(BOX_B, 'dossier'), false, t.registry))).toBe('ok');
    expect(reason(canPublish(integration, topicFor(BOX_A, 'dossier'), false, t.registry))).toBe(
      'publish-foreign-commune',
    );
    expect(reason(canPublish(integration, topicFor('xa2-ap1-loa', 'dossier'), false, t.registry))).toBe(
      'publish-channel-not-allowed',
    );
    expect(reason(canPublish(integration, topicFor(BOX_B, 'dossier'), true, t.registry))).toBe(
      'publish-retain-not-allowed',
    );
    expect(reason(canPublish(integration, topicFor(BOX_B, 'ack'), false, t.registry))).toBe(
      'publish-channel-not-allowed',
    );
    expect(
      reason(
        canPublish({ ...integration, communes: undefined } as Identity, topicFor(BOX_A, 'dossier'), false, t.registry),
      ),
    ).toBe('ok');
    expect(reason(canPublish(box, topicFor(BOX_A2, 'dossier'), false, t.registry))).toBe('publish-foreign-topic');
    expect(reason(canPublish(box, topicFor(BOX_A, 'dossier'), false, t.registry))).toBe('publish-channel-not-allowed');
    expect(reason(canSubscribe(box, topicFor(BOX_A, 'dossier')))).toBe('ok');
    expect(reason(canSubscribe(box, topicFor(BOX_A2, 'dossier')))).toBe('subscribe-not-allowed');
  });

  it('over a real broker: the binding reaches the box of its commune; other communes and other devices are refused and counted', async () => {
    const boxA = await t.connect(BOX_A);
    const boxB = await t.connect(BOX_B);
    const gotA = await collect(boxA, [topicFor(BOX_A, 'dossier')]);
    const gotB = await collect(boxB, [topicFor(BOX_B, 'dossier')]);
    const nodeRed = await t.connect('node-red');
    await publishAcked(nodeRed, topicFor(BOX_A, 'dossier'), binding('HS-FOREIGN'));
    // a box tries to bind its neighbour's dossier
    const boxA2 = await t.connect(BOX_A2);
    await publishAcked(boxA2, topicFor(BOX_A, 'dossier'), binding('HS-SPOOF'));
    await publishAcked(nodeRed, topicFor(BOX_B, 'dossier'), binding('HS-OK'));
    await waitFor(() => gotB.some((m) => m.payload.includes('HS-OK')));
    const s = t.broker.stats().refusals;
    expect(s['publish-foreign-commune']).toBe(1);
    expect(s['publish-foreign-topic']).toBeGreaterThanOrEqual(1);
    expect(gotA).toEqual([]);
    expect(gotB.map((m) => JSON.parse(m.payload).dossier)).toEqual(['HS-OK']);
    expect(nodeRed.connected && boxA2.connected).toBe(true);
  });
});
