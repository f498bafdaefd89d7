import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BroadcastLogExtension } from '../../collector/broadcast-log.ts';
import type { CollectorContext, InboundMessage } from '../../collector/extension.ts';
import { decode } from '../../devices/contract/index.ts';
import { parseRegistry } from '../../devices/registry/index.ts';
import { demoRegistry } from '../../simulator/demo-registry.ts';
import { CHEAP } from './helpers.ts';

describe('collector broadcast-log extension', () => {
  it('stores one point per log at the occurrence, tagged by hamlet, announcement and outcome, acknowledged by the log id', async () => {
    const registry = parseRegistry((await demoRegistry({ cost: CHEAP })).yaml);
    const id = randomUUID();
    const payload = {
      v: 1,
      id,
      announcement: 'tb-abc',
      priority: 'normal',
      occurrence: '2027-01-02T23:00:00.000Z',
      outcome: 'played',
      startedAt: '2027-01-02T23:00:01.000Z',
      endedAt: '2027-01-02T23:00:31.500Z',
    };
    const decoded = decode('tt/v1/xa1-ap2-loa/broadcast-log', JSON.stringify(payload));
    if (!decoded.ok) throw new Error(decoded.detail);
    const msg = { ...decoded, entry: registry.device('xa1-ap2-loa')!, receivedAt: Date.now() } as InboundMessage;
    const result = new BroadcastLogExtension().handle(msg, { registry } as CollectorContext);
    if (!('points' in result)) throw new Error(result.detail);
    expect(result.ackId).toBe(id);
    expect(result.points).toHaveLength(1);
    const [p] = result.points;
    expect(p.measurement).toBe('broadcast_log');
    expect(p.tags).toMatchObject({
      commune: '90001',
      device: 'xa1-ap2-loa',
      hamlet: 'xa1-ap2',
      announcement: 'tb-abc',
      outcome: 'played',
      priority: 'normal',
    });
    expect(p.fields).toEqual({
      id,
      occurrence: payload.occurrence,
      started_at: payload.startedAt,
      ended_at: payload.endedAt,
      duration_s: 30.5,
    });
    expect(String(p.timestamp).slice(0, 13)).toBe(String(Date.parse(payload.occurrence)));
  });
});
