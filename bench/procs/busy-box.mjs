// A busy counter's rating box from the production build (plain JS), in its own process so /proc/self/io counts
// only the bridge's writes: idle for a while, then presses, each acknowledged by the bench's collector stand-in.
// It drives the real bridge core and rating box unit over a fake IO board (only firmware-bridge/ is in the build).
//   node bench/procs/busy-box.mjs <buildDir> <brokerUrl> <deviceId> <password> <dataDir> <presses> <idleMs>
import { readFileSync } from 'node:fs';
const [build, brokerUrl, deviceId, password, dataDir, presses, idleMs] = process.argv.slice(2);
const fb = (file) => import(`${build}/firmware-bridge/${file}`);
const [
  { startBridge },
  { parseConfig },
  { FakeIO },
  { openJohnnyFiveBoard },
  { TrustedClock },
  { FakeTimeSource },
  { systemClock },
  { silentLogger },
] = await Promise.all([
  fb('bridge.js'),
  fb('config.js'),
  fb('io/fake-io.js'),
  fb('io/johnny-five.js'),
  fb('clock/trusted-time.js'),
  fb('clock/sources.js'),
  import(`${build}/infra/clock.js`),
  import(`${build}/infra/logger.js`),
]);
const io = () =>
  Object.fromEntries(
    readFileSync('/proc/self/io', 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split(': '))
      .map(([k, v]) => [k, Number(v)]),
  );
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const levels = ['rat-hai-long', 'hai-long', 'binh-thuong', 'khong-hai-long'];
const pins = { 'rat-hai-long': 2, 'hai-long': 3, 'binh-thuong': 4, 'khong-hai-long': 5 };
const config = parseConfig({
  deviceId,
  dataDir,
  broker: { url: brokerUrl, password },
  io: { kind: 'fake' },
  clock: { sources: [] },
  units: { ratingBox: { buttons: pins, leds: { ack: 13 }, buzzerPin: 8, lockoutMs: 0, debounceMs: 5 } },
});
const board = new FakeIO();
const bridge = await startBridge({
  config,
  board: () => openJohnnyFiveBoard({ io: board }, 'bench'),
  clock: systemClock,
  password,
  log: silentLogger,
  time: new TrustedClock({ clock: systemClock, sources: [new FakeTimeSource(true)] }),
});
const box = bridge.units.find((u) => u.name === 'rating-box');
const edges = async (n) => {
  for (let i = 0; box.edges < n && i < 5_000; i++) await sleep(2);
};
async function press(level) {
  const before = box.edges;
  board.setLevel(pins[level], 0); // pull-up: pressed reads LOW
  await edges(before + 1);
  board.setLevel(pins[level], 1);
  await edges(before + 2);
  await sleep(10); // past the debounce quiet time
}
for (let i = 0; i < 400 && !bridge.stats().link.connected; i++) await sleep(25);
const t0 = io();
await sleep(Number(idleMs));
const t1 = io();
for (let i = 0; i < Number(presses); i++) await press(levels[i % 4]);
for (let i = 0; i < 2000 && bridge.stats().outbox.depth > 0; i++) await sleep(25);
const t2 = io();
const depth = bridge.stats().outbox.depth;
await bridge.stop();
process.stdout.write(
  `${JSON.stringify({ idle: { ms: Number(idleMs), writeBytes: t1.write_bytes - t0.write_bytes, wchar: t1.wchar - t0.wchar }, presses: { n: Number(presses), accepted: box.counters.accepted, writeBytes: t2.write_bytes - t1.write_bytes, wchar: t2.wchar - t1.wchar, leftInOutbox: depth } })}\n`,
);
process.exit(0);
