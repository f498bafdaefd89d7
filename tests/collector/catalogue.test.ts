import { describe, expect, it } from 'vitest';
import { CollectorError, ERRORS, REFUSALS } from '../../collector/errors.ts';
import { invalidMessages } from '../../devices/fixtures/messages.ts';

/** The refusal reasons are a contract: dashboards and alerts count the `rejection` measurement by them. */
const STABLE_REASONS = [
  'broker-refusals-invalid',
  'camera-unknown',
  'channel-not-allowed',
  'extension-error',
  'no-extension',
  'not-started',
  'payload-invalid',
  'payload-not-json',
  'payload-too-large',
  'point-invalid',
  'rating-dossier-duplicate',
  'rating-level-not-on-device',
  'rating-time-implausible',
  'topic-channel',
  'topic-device-id',
  'topic-foreign',
  'topic-shape',
  'topic-version',
  'unknown-device',
  'wrong-channel',
];

describe("the collector's catalogue", () => {
  it('keeps every counted refusal reason, under its old name', () => {
    expect(Object.keys(REFUSALS).sort()).toEqual(STABLE_REASONS);
  });

  it('catalogues every error the contract decoder returns', () => {
    for (const m of invalidMessages) expect(Object.keys(REFUSALS), m.name).toContain(m.error);
  });

  it('acknowledges what can never become valid, not unknown devices nor its own failures', () => {
    const acknowledged = Object.entries(REFUSALS)
      .filter(([, r]) => r.acknowledged)
      .map(([k]) => k)
      .sort();
    expect(acknowledged).toEqual([
      'camera-unknown',
      'channel-not-allowed',
      'payload-invalid',
      'rating-dossier-duplicate',
      'rating-level-not-on-device',
      'rating-time-implausible',
      'wrong-channel',
    ]);
  });

  it('says everything in Vietnamese', () => {
    const texts = [...Object.values(ERRORS), ...Object.values(REFUSALS).map((r) => r.label)];
    // every sentence carries Vietnamese letters (an English text has none)
    for (const t of texts)
      expect(t, t).toMatch(/[àáạảãâầấậẩẫăằắặẳẵèéẹẻẽêềếệểễìíịỉĩòóọỏõôồốộổỗơờớợởỡùúụủũưừứựửữỳýỵỷỹđ]/i);
  });

  it('a coded error carries its code and, by default, the catalogue message', () => {
    const e = new CollectorError('COLLECTOR_CLOSED');
    expect([e.code, e.message, e.problems]).toEqual(['COLLECTOR_CLOSED', ERRORS.COLLECTOR_CLOSED, []]);
  });
});
