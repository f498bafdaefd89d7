import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { hashPassword } from '../../devices/credentials.ts';
import { CHEAP, startTestBroker } from './helpers.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** the suite is a third-party copy beside the repository (../shared), never vendored into it */
const SUITE = join(ROOT, '..', 'shared', 'paho-interop', 'interoperability');
const PASSWORD = 'kiem-tra-giao-thuc';

describe('Eclipse Paho MQTT 3.1.1 interoperability suite, with auth and ACL on (conformance principal)', async () => {
  if (!existsSync(join(SUITE, 'client_test.py'))) {
    throw new Error(
      `Paho interoperability suite not found at ${SUITE}: CI needs ../shared/paho-interop beside the repository`,
    );
  }
  const t = await startTestBroker({
    config: {
      conformance: {
        passwordHash: await hashPassword(PASSWORD, CHEAP),
        namespace: 'conformance/',
        refused: ['conformance/nosubscribe'],
      },
    },
  });

  it('passes every test of client_test.py', async () => {
    const output: string[] = [];
    const code = await new Promise<number | null>((done) => {
      const py = spawn(
        'python3',
        [
          join(ROOT, 'tests/broker/paho/run_suite.py'),
          SUITE,
          '127.0.0.1',
          String(t.broker.port),
          'conformance',
          PASSWORD,
          'conformance/',
        ],
        {
          cwd: SUITE,
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      py.stdout.on('data', (b) => output.push(String(b)));
      py.stderr.on('data', (b) => output.push(String(b)));
      py.on('exit', (c) => done(c));
    });
    const text = output.join('');
    const m = /PAHO RESULT ran=(\d+) failures=(\d+) errors=(\d+)/.exec(text);
    console.log(
      text
        .split('\n')
        .filter((l) => / \.\.\. |^Ran |PAHO/.test(l))
        .join('\n'),
    );
    expect(m, text).not.toBeNull();
    expect({ ran: Number(m![1]) >= 10, failures: Number(m![2]), errors: Number(m![3]), code }, text).toEqual({
      ran: true,
      failures: 0,
      errors: 0,
      code: 0,
    });
    // the conformance principal never reached a device topic, and its refused filter was counted
    expect(t.broker.stats().refusals['subscribe-not-allowed']).toBeGreaterThanOrEqual(1);
  }, 240_000);
});
