import { describe, expect, it } from 'vitest';
import { decode, encode } from '../../devices/contract/index.ts';
import { parseTopic, topicFor } from '../../devices/topics.ts';
import { invalidMessages, validMessages } from '../../devices/fixtures/messages.ts';

describe('topics', () => {
  it('builds and parses the same topic', () => {
    const t = topicFor('xa1-quay1-box', 'rating');
    expect(t).toBe('tt/v1/xa1-quay1-box/rating');
    expect(parseTopic(t)).toEqual({ ok: true, value: { deviceId: 'xa1-quay1-box', channel: 'rating' } });
  });
  it('refuses ids that are not topic-safe', () => {
    expect(() => topicFor('Xã-1', 'rating')).toThrow();
    expect(() => topicFor('a/b', 'rating')).toThrow();
    expect(parseTopic('tt/v1/+/rating')).toEqual({ ok: false, error: 'topic-device-id' });
    expect(parseTopic('tt/v2/a/rating')).toEqual({ ok: false, error: 'topic-version' });
    expect(parseTopic('tt/v1/a/rating/x')).toEqual({ ok: false, error: 'topic-shape' });
    expect(parseTopic('tt/v1/a/nope')).toEqual({ ok: false, error: 'topic-channel' });
  });
});

describe('decode', () => {
  it.each(validMessages)('accepts $name', ({ topic, payload }) => {
    const r = decode(topic, JSON.stringify(payload));
    expect(r.ok, JSON.stringify(r)).toBe(true);
  });
  it.each(invalidMessages)('refuses $name with $error', ({ topic, bytes, error }) => {
    const r = decode(topic, bytes);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toBe(error);
  });
  it('encode refuses what decode would refuse', () => {
    expect(() => encode('rating', { v: 1 } as never)).toThrow();
  });
});
