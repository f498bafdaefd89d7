// A busy counter's rating box from the production build (plain JS), in its own process so /proc/self/io counts
// only the bridge's writes: idle for a while, then presses, each acknowledged by the bench's collector stand-in.
//   node bench/procs/busy-box.mjs <buildDir> <brokerUrl> <deviceId> <password> <dataDir> <presses> <idleMs>
import { readFileSync } from 'node:fs';
const [build, brokerUrl, deviceId, password, dataDir, presses, idleMs] = process.argv.slice(2);
const { startVirtualBox } = await import(`${build}/simulator/virtual-box.js`);
const io = () => Object.fromEntries(readFileSync('/proc/self/io', 'utf8').trim().split('\n').map((l) => l.split(': ')).map(([k, v]) => [k, Number(v)]));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const box = await startVirtualBox({ deviceId, brokerUrl, password, dataDir, lockoutMs: 0, debounceMs: 5, heartbeatMs: 60_000 });
for (let i = 0; i < 400 && !box.bridge.stats().link.connected; i++) await sleep(25);
const t0 = io();
await sleep(Number(idleMs));
const t1 = io();
const levels = ['rat-hai-long', 'hai-long', 'binh-thuong', 'khong-hai-long'];
for (let i = 0; i < Number(presses); i++) await box.press(levels[i % 4]);
for (let i = 0; i < 2000 && box.bridge.stats().outbox.depth > 0; i++) await sleep(25);
const t2 = io();
const depth = box.bridge.stats().outbox.depth;
await box.stop();
process.stdout.write(`${JSON.stringify({ idle: { ms: Number(idleMs), writeBytes: t1.write_bytes - t0.write_bytes, wchar: t1.wchar - t0.wchar }, presses: { n: Number(presses), writeBytes: t2.write_bytes - t1.write_bytes, wchar: t2.wchar - t1.wchar, leftInOutbox: depth } })}\n`);
process.exit(0);
