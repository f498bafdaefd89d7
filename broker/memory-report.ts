import { readFileSync } from 'node:fs';
import v8 from 'node:v8';

/**
 * What the broker's memory is made of, for an operator (`systemctl kill -s USR2 thanthien-broker`: one log line)
 * and the benchmark. RSS alone mixes the live heap, garbage not yet collected, V8's free pages and the allocator's
 * unreturned memory; this splits them: process.memoryUsage(), V8's heap spaces, /proc/self/smaps_rollup. When the
 * process runs with --expose-gc (the benchmark does; a deployment need not) it collects first, after `settleMs`,
 * so the reading is what the connections hold, not when V8 last ran.
 */
export type MemoryReport = {
  collected: boolean;
  clients: number;
  memory: NodeJS.MemoryUsage;
  heapSpaces: Record<string, { size: number; used: number }>;
  /** kB, as the kernel counts them (Rss, Anonymous, Private_Dirty, ...) */
  smaps: Record<string, number>;
};

export async function memoryReport(clients: number, settleMs = 0): Promise<MemoryReport> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (settleMs) await new Promise((r) => setTimeout(r, settleMs));
  if (gc) {
    gc();
    await new Promise((r) => setTimeout(r, 100)); // let finalizers and the page unmapper run
    gc();
  }
  return {
    collected: !!gc,
    clients,
    memory: process.memoryUsage(),
    heapSpaces: Object.fromEntries(
      v8.getHeapSpaceStatistics().map((s) => [s.space_name, { size: s.space_size, used: s.space_used_size }]),
    ),
    smaps: smapsRollup(),
  };
}

function smapsRollup(): Record<string, number> {
  const out: Record<string, number> = {};
  try {
    for (const line of readFileSync('/proc/self/smaps_rollup', 'utf8').split('\n')) {
      const m = /^(\w+):\s+(\d+) kB/.exec(line);
      if (m) out[m[1]!] = Number(m[2]);
    }
  } catch {
    // not Linux, or /proc hidden: the rest still says most
  }
  return out;
}
