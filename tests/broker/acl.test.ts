import { describe, expect, it } from 'vitest';
import { parseRegistry } from '../../devices/registry/index.ts';
import { demoRegistry } from '../../simulator/demo-registry.ts';
import {
  areaStopTopic,
  channelFilter,
  CHANNEL_NAMES,
  CHANNELS,
  topicFor,
  UPLINK_CHANNELS,
} from '../../devices/topics.ts';
import { canPublish, canRead, canSubscribe, type Identity } from '../../broker/acl.ts';
import { BOX, BOX2, CHEAP, SPEAKER } from './helpers.ts';

const registry = parseRegistry((await demoRegistry({ cost: CHEAP, communes: 2 })).yaml);
const box: Identity = { type: 'device', id: BOX, kind: 'rating-box', commune: '90001' };
const speaker: Identity = { type: 'device', id: SPEAKER, kind: 'speaker', commune: '90001' };
const collector: Identity = { type: 'service', id: 'collector', role: 'collector' };
const consoleSvc: Identity = { type: 'service', id: 'console', role: 'console' };
const nodeRed: Identity = { type: 'service', id: 'node-red', role: 'integration', communes: new Set(['90002']) };

const reason = (v: { ok: boolean; reason?: string }) => (v.ok ? 'ok' : v.reason);

describe('device rights', () => {
  it('publishes exactly the uplink channels of its kind on its own topics', () => {
    for (const channel of CHANNEL_NAMES) {
      const allowed =
        CHANNELS[channel].direction === 'up' && (CHANNELS[channel].kinds as readonly string[]).includes('rating-box');
      expect(reason(canPublish(box, topicFor(BOX, channel), false, registry)), channel).toBe(
        allowed ? 'ok' : 'publish-channel-not-allowed',
      );
    }
    expect(reason(canPublish(speaker, topicFor(SPEAKER, 'broadcast-log'), false, registry))).toBe('ok');
    expect(reason(canPublish(speaker, topicFor(SPEAKER, 'rating'), false, registry))).toBe(
      'publish-channel-not-allowed',
    );
  });

  it('never publishes for another device or outside the scheme, and retains only retained channels', () => {
    expect(reason(canPublish(box, topicFor(BOX2, 'rating'), false, registry))).toBe('publish-foreign-topic');
    expect(reason(canPublish(box, 'tt/v1/xa1-quay1-box/rating/x', false, registry))).toBe('publish-foreign-topic');
    expect(reason(canPublish(box, '$SYS/tt/broker/refusals', false, registry))).toBe('publish-foreign-topic');
    expect(reason(canPublish(box, topicFor(BOX, 'rating'), true, registry))).toBe('publish-retain-not-allowed');
    expect(reason(canPublish(box, topicFor(BOX, 'availability'), true, registry))).toBe('ok');
    expect(reason(canPublish(box, topicFor(BOX, 'state'), true, registry))).toBe('ok');
  });

  it('subscribes only to its own downlink channels, without wildcards', () => {
    expect(reason(canSubscribe(box, topicFor(BOX, 'ack')))).toBe('ok');
    expect(reason(canSubscribe(box, topicFor(BOX, 'schedule')))).toBe('subscribe-not-allowed');
    expect(reason(canSubscribe(speaker, topicFor(SPEAKER, 'schedule')))).toBe('ok');
    expect(reason(canSubscribe(box, topicFor(BOX2, 'ack')))).toBe('subscribe-not-allowed');
    expect(reason(canSubscribe(box, topicFor(BOX, 'rating')))).toBe('subscribe-not-allowed');
    for (const f of ['#', 'tt/#', `tt/v1/${BOX}/+`, 'tt/v1/+/ack', '$SYS/#'])
      expect(reason(canSubscribe(box, f)), f).toBe('subscribe-wildcard');
    expect(canRead(box, topicFor(BOX, 'ack'), registry)).toBe(true);
    expect(canRead(box, topicFor(BOX2, 'ack'), registry)).toBe(false);
  });
});

describe('service rights', () => {
  it('collector: reads every uplink channel and the broker counts, writes ack and alert', () => {
    for (const c of UPLINK_CHANNELS) expect(reason(canSubscribe(collector, channelFilter(c))), c).toBe('ok');
    expect(reason(canSubscribe(collector, '$SYS/tt/broker/#'))).toBe('ok');
    expect(reason(canSubscribe(collector, '$SYS/#'))).not.toBe('ok');
    expect(reason(canSubscribe(collector, 'tt/v1/+/+'))).toBe('subscribe-wildcard');
    expect(reason(canSubscribe(collector, 'tt/v1/#'))).toBe('subscribe-wildcard');
    expect(reason(canSubscribe(collector, channelFilter('schedule')))).toBe('subscribe-not-allowed');
    expect(reason(canPublish(collector, topicFor(BOX, 'ack'), false, registry))).toBe('ok');
    expect(reason(canPublish(collector, topicFor(SPEAKER, 'alert'), false, registry))).toBe('ok');
    expect(reason(canPublish(collector, topicFor(SPEAKER, 'schedule'), true, registry))).toBe(
      'publish-channel-not-allowed',
    );
    expect(reason(canPublish(collector, topicFor('xa9-khong-co', 'ack'), false, registry))).toBe(
      'publish-unknown-device',
    );
    expect(canRead(collector, '$SYS/tt/broker/refusals', registry)).toBe(true);
  });

  it('console: retained schedules to speakers only; reads status channels but not ratings', () => {
    expect(reason(canPublish(consoleSvc, topicFor(SPEAKER, 'schedule'), true, registry))).toBe('ok');
    expect(reason(canPublish(consoleSvc, topicFor(BOX, 'schedule'), true, registry))).toBe(
      'publish-channel-not-allowed',
    );
    expect(reason(canPublish(consoleSvc, topicFor(SPEAKER, 'ack'), false, registry))).toBe(
      'publish-channel-not-allowed',
    );
    for (const c of ['schedule-status', 'broadcast-log', 'availability', 'state', 'alert'] as const)
      expect(reason(canSubscribe(consoleSvc, channelFilter(c))), c).toBe('ok');
    expect(reason(canSubscribe(consoleSvc, channelFilter('rating')))).toBe('subscribe-not-allowed');
    expect(canRead(consoleSvc, '$SYS/tt/broker/refusals', registry)).toBe(false);
  });

  it('integration: read-only, uplink and alerts, only devices of its communes', () => {
    expect(reason(canPublish(nodeRed, topicFor(SPEAKER, 'schedule'), false, registry))).toBe(
      'publish-channel-not-allowed',
    );
    expect(reason(canSubscribe(nodeRed, channelFilter('rating')))).toBe('ok');
    expect(reason(canSubscribe(nodeRed, channelFilter('alert')))).toBe('ok');
    expect(reason(canSubscribe(nodeRed, channelFilter('ack')))).toBe('subscribe-not-allowed');
    expect(canRead(nodeRed, topicFor('xa2-quay1-box', 'rating'), registry)).toBe(true);
    expect(canRead(nodeRed, topicFor('xa1-quay1-box', 'rating'), registry)).toBe(false);
    expect(
      canRead({ ...nodeRed, communes: undefined } as Identity, topicFor('xa1-quay1-box', 'rating'), registry),
    ).toBe(true);
  });
});

describe('area stop topics (one signed stop order per unit for all its speakers)', () => {
  it('the console publishes them for units of the registry; a speaker reads only those of its own units', () => {
    const own = [areaStopTopic('province', '99'), areaStopTopic('commune', '90001')];
    for (const t of own) {
      expect(reason(canPublish(consoleSvc, t, true, registry)), t).toBe('ok');
      expect(reason(canSubscribe(speaker, t, registry)), t).toBe('ok');
      expect(canRead(speaker, t, registry), t).toBe(true);
    }
    // another commune's stop topic, another province's, a unit that does not exist
    for (const t of [
      areaStopTopic('commune', '90002'),
      areaStopTopic('province', '01'),
      areaStopTopic('district', '999'),
    ]) {
      expect(reason(canSubscribe(speaker, t, registry)), t).toBe('subscribe-not-allowed');
      expect(canRead(speaker, t, registry), t).toBe(false);
    }
    expect(reason(canPublish(consoleSvc, areaStopTopic('province', '01'), true, registry))).toBe(
      'publish-unknown-device',
    );
    // nobody else writes a stop order: not a device, not the collector, not an integration
    for (const who of [speaker, box, collector, nodeRed])
      expect(reason(canPublish(who, own[0], true, registry))).toBe('publish-channel-not-allowed');
    // a rating box reads none; no wildcard over them; without the registry nothing is granted
    expect(reason(canSubscribe(box, own[1], registry))).toBe('subscribe-not-allowed');
    expect(canRead(box, own[0], registry)).toBe(false);
    expect(reason(canSubscribe(speaker, 'tt/v1/stop/province/+', registry))).toBe('subscribe-wildcard');
    expect(reason(canSubscribe(speaker, own[0]))).toBe('subscribe-not-allowed');
    expect(canRead(consoleSvc, own[0], registry)).toBe(false);
  });
});
