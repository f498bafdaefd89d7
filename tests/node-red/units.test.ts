import { describe, expect, it } from 'vitest';
import { announceInput, parseHamletList } from '../../node-red/src/announce-request.ts';
import { cleanArea, place } from '../../node-red/src/area.ts';
import { topicMatches } from '../../node-red/src/connection.ts';
import { connectionStatus } from '../../node-red/src/status.ts';
import { parseRegistry } from '../../devices/registry/index.ts';
import { demoRegistry } from '../../simulator/demo-registry.ts';
import { CHEAP } from './world.ts';

describe('node-red pure parts', () => {
  it('matches MQTT filters with + and #', () => {
    expect(topicMatches('tt/v1/+/rating', 'tt/v1/xa1-quay1-box/rating')).toBe(true);
    expect(topicMatches('tt/v1/+/rating', 'tt/v1/xa1-quay1-box/alert')).toBe(false);
    expect(topicMatches('tt/v1/+/rating', 'tt/v1/a/b/rating')).toBe(false);
    expect(topicMatches('tt/#', 'tt/v1/a/rating')).toBe(true);
  });

  it('fills announcement defaults from the node and reports every problem with its path', () => {
    expect(parseHamletList(' xa1-ap1 , xa1-ap2 ')).toEqual(['xa1-ap1', 'xa1-ap2']);
    expect(parseHamletList('')).toBe('all');
    const ok = announceInput('Nội dung', 'Tiêu đề', { hamlets: 'all', volume: '60', repeats: 3, priority: 'priority' });
    expect(ok).toEqual({
      ok: true,
      value: { title: 'Tiêu đề', text: 'Nội dung', hamlets: 'all', volume: 60, repeats: 3, priority: 'priority' },
    });
    const bad = announceInput(
      { title: '', text: 'x', volume: 300, schedule: { kind: 'once', at: 'mai' } },
      undefined,
      {},
    );
    expect(bad.ok).toBe(false);
    if (!bad.ok) for (const path of ['title', 'volume', 'schedule.at']) expect(bad.detail).toContain(path);
  });

  it('places devices by area codes from the registry', async () => {
    const registry = parseRegistry((await demoRegistry({ communes: 2, cost: CHEAP, withDistrict: true })).yaml);
    expect(place('xa2-quay1-box', cleanArea({ district: '999', commune: ' 90002 ' }), registry)).toMatchObject({
      ok: true,
      tags: { district: '999', commune: '90002' },
    });
    expect(place('xa2-quay1-box', cleanArea({ commune: '90001' }), registry)).toEqual({ ok: 'outside' });
    expect(place('nobody', {}, registry)).toEqual({ ok: false, reason: 'device-unknown' });
    expect(place('nobody', {}, undefined)).toEqual({ ok: true, tags: { device: 'nobody' } });
    expect(place('nobody', { province: '99' }, undefined)).toEqual({ ok: false, reason: 'registry-missing' });
  });

  it('shows connection states in Vietnamese with distinct colours', () => {
    expect(connectionStatus('connected')).toEqual({ fill: 'green', shape: 'dot', text: 'đã kết nối' });
    expect(connectionStatus('disconnected', 'ECONNREFUSED')).toEqual({
      fill: 'red',
      shape: 'ring',
      text: 'mất kết nối: ECONNREFUSED',
    });
    expect(connectionStatus('refused').shape).toBe('dot');
  });
});
