import { describe, expect, it } from 'vitest';
import { BROKER_ERRORS, BrokerError } from '../../broker/errors.ts';
import { BusyError } from '../../broker/admission.ts';
import { BRIDGE_ERRORS, BridgeError } from '../../firmware-bridge/errors.ts';

/** a Vietnamese sentence has letters with diacritics; an English leak usually has none */
const VIETNAMESE = /[àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ]/i;

describe('error catalogues of the broker and the bridge', () => {
  it.each([
    ['BROKER_', BROKER_ERRORS],
    ['BRIDGE_', BRIDGE_ERRORS],
  ] as const)('%s: every code is prefixed and explained in Vietnamese', (prefix, catalogue) => {
    for (const [code, meaning] of Object.entries(catalogue)) {
      expect(code.startsWith(prefix), code).toBe(true);
      expect(meaning, code).toMatch(VIETNAMESE);
    }
  });

  it('an error carries its code, its detail or the catalogue text, and every problem', () => {
    const plain = new BrokerError('BROKER_LISTEN_FAILED');
    expect(plain.message).toBe(BROKER_ERRORS.BROKER_LISTEN_FAILED);
    const listed = new BrokerError('BROKER_CONFIG_INVALID', 'cấu hình broker không hợp lệ (b.yaml)', [
      'port: sai',
      'rate.burst: sai',
    ]);
    expect(listed.message).toBe('cấu hình broker không hợp lệ (b.yaml):\n  - port: sai\n  - rate.burst: sai');
    expect(listed.meaning).toBe(BROKER_ERRORS.BROKER_CONFIG_INVALID);
    const busy = new BusyError('hàng đợi đầy');
    expect(busy).toBeInstanceOf(BrokerError);
    expect(busy.code).toBe('BROKER_BUSY');
    expect(new BridgeError('BRIDGE_OUTBOX_CLOSED').message).toBe(BRIDGE_ERRORS.BRIDGE_OUTBOX_CLOSED);
    expect(new BridgeError('BRIDGE_IO_TIMEOUT', 'board not ready after 30000 ms').meaning).toBe(
      BRIDGE_ERRORS.BRIDGE_IO_TIMEOUT,
    );
  });
});
