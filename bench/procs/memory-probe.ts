/**
 * A broker under measurement, for bench/cluster-memory.ts. Usage (needs --expose-gc):
 *   node --expose-gc --import tsx bench/procs/memory-probe.ts <variant> <port> [registry.yaml] [redis-url] [secret-hex]
 * variants: bare (aedes, nothing else), bare-redis (aedes on the project's Redis persistence and emitter, no hooks),
 * project-memory (startBroker, sessions in memory), project-redis (startBroker on Redis with the shared cache).
 * Prints "ready <port>"; over IPC, {cmd: 'measure'} settles, collects twice and answers the breakdown below.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import v8 from 'node:v8';
import { Aedes } from 'aedes';
import { parseBrokerConfig } from '../../broker/config.ts';
import { startBroker } from '../../broker/index.ts';
import { createPersistence } from '../../broker/persistence.ts';
import { loadRegistry } from '../../devices/registry/index.ts';
import { silentLogger } from '../../infra/logger.ts';

const [variant, portArg, registryPath, redisUrl, secretHex] = process.argv.slice(2);
const port = Number(portArg);
let stop: () => Promise<void>;

if (variant === 'bare' || variant === 'bare-redis') {
  const store =
    variant === 'bare-redis'
      ? await createPersistence(
          parseBrokerConfig({ registryPath: 'x', persistence: { kind: 'redis', url: redisUrl! } }),
        )
      : undefined;
  const broker = await Aedes.createBroker({
    ...(store?.persistence ? { persistence: store.persistence } : {}),
    ...(store?.emitter ? { mq: store.emitter } : {}),
  });
  const server = createServer(broker.handle);
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  stop = async () => {
    await new Promise<void>((r) => server.close(() => r()));
    await new Promise<void>((r) => broker.close(() => r()));
    await store?.close();
  };
} else {
  const config = parseBrokerConfig({
    host: '127.0.0.1',
    port,
    registryPath: registryPath!,
    statsIntervalMs: 10_000,
    authCacheSize: 20_000,
    ...(variant === 'project-redis'
      ? {
          persistence: { kind: 'redis', url: redisUrl! },
          cluster: { nodeName: 'probe' },
          sharedAuthCache: { url: redisUrl!, secretFile: '/dev/null' },
        }
      : {}),
  });
  const broker = await startBroker({
    config,
    registry: loadRegistry(registryPath!),
    log: silentLogger,
    ...(secretHex ? { authCacheSecret: Buffer.from(secretHex, 'hex') } : {}),
  });
  stop = () => broker.close();
}

const gc = (globalThis as { gc?: () => void }).gc;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** /proc/self/smaps_rollup in KB (Rss, Anonymous, Private_Dirty...) */
function smaps(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of readFileSync('/proc/self/smaps_rollup', 'utf8').split('\n')) {
    const m = /^(\w+):\s+(\d+) kB/.exec(line);
    if (m) out[m[1]!] = Number(m[2]);
  }
  return out;
}

const reading = () => ({
  mem: process.memoryUsage(),
  spaces: Object.fromEntries(
    v8.getHeapSpaceStatistics().map((s) => [s.space_name, { size: s.space_size, used: s.space_used_size }]),
  ),
  smaps: smaps(),
});

process.on('message', async (msg: { cmd: string; settleMs?: number; collect?: boolean }) => {
  if (msg.cmd === 'measure') {
    await sleep(msg.settleMs ?? 2000);
    const settled = reading(); // what the node holds on its own, garbage included
    if (msg.collect === false) return process.send!({ settled, collected: settled });
    gc?.();
    await sleep(200);
    gc?.();
    process.send!({ settled, collected: reading() });
  } else if (msg.cmd === 'snapshot') {
    gc?.();
    process.send!({ path: v8.writeHeapSnapshot((msg as { path?: string }).path) });
  } else if (msg.cmd === 'stop') {
    await stop();
    process.exit(0);
  }
});
console.log(`ready ${port}`);
