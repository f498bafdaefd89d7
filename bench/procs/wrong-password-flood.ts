/**
 * A wrong-password CONNECT flood for the broker-attack benchmark, in its own process.
 * Usage: tsx bench/procs/wrong-password-flood.ts <port> <ms> <workers> <id,id,…> [from]; prints {attempts, answered}.
 * `from`: the local address to dial from (a loopback address of its own, so a balancer's PROXY header names it).
 */
import { connect as netConnect } from 'node:net';
import { connectBytes } from '../lib/connect-bytes.ts';

const [port, ms, workers] = process.argv.slice(2, 5).map(Number);
const ids = process.argv[5].split(',');
const from = process.argv[6];
const end = Date.now() + ms;
let attempts = 0;
let answered = 0;

const one = (id: string) =>
  new Promise<void>((resolve) => {
    const s = netConnect({ port, host: '127.0.0.1', ...(from ? { localAddress: from } : {}) });
    s.on('error', () => {});
    s.once('connect', () => s.write(connectBytes(id, `sai-${attempts}`)));
    s.once('data', (b) => {
      if (b[0] === 0x20) answered++;
      s.destroy();
    });
    s.once('close', () => resolve());
    setTimeout(() => s.destroy(), 15_000).unref();
  });

await Promise.all(
  Array.from({ length: workers }, async (_, w) => {
    while (Date.now() < end) {
      attempts++;
      await one(ids[(attempts + w) % ids.length]);
    }
  }),
);
console.log(JSON.stringify({ attempts, answered }));
