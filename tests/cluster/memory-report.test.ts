import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Province, waitFor } from './helpers.ts';

/** An operator asks a running node what its memory is made of (SIGUSR2): one log line, the node keeps serving. */
const p = new Province();
beforeAll(() => p.start({ communes: 1 }), 60_000);
afterAll(() => p.stop());

describe('memory report', () => {
  it('SIGUSR2 logs RSS, the V8 heap spaces and the kernel counts with the number of clients; connections stay up', async () => {
    const { proc, port } = await p.nodeProcess('mem');
    const ids = [...p.registry.devices.keys()].slice(0, 2);
    const clients = await Promise.all(ids.map((id) => p.connect(id, port)));
    process.kill(proc.pid!, 'SIGUSR2');
    await waitFor(() => proc.output.some((l) => l.includes('"memory report"')), 15_000);
    const line = JSON.parse(proc.output.find((l) => l.includes('"memory report"'))!);
    expect(line.report.clients).toBe(2);
    expect(line.report.collected).toBe(false); // run without --expose-gc: nothing forced
    expect(line.report.memory.rss).toBeGreaterThan(line.report.memory.heapUsed);
    expect(line.report.heapSpaces.old_space.used).toBeGreaterThan(0);
    expect(line.report.smaps.Rss).toBeGreaterThan(0);
    expect(clients.every((c) => c.connected)).toBe(true);
    await Promise.all(clients.map((c) => c.endAsync(true)));
  });
});
