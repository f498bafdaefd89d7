import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';
import { ownedCommunes, ownerOf } from '../../collector/partition/rule.ts';
import { ServiceProcess } from '../../infra/child.ts';
import { idCounts, influxFor } from '../collector/helpers.ts';
import { ClusterBox } from './device.ts';
import { Province, waitFor } from './helpers.ts';

/** Two collector processes share the communes (rendezvous hash, Redis lease); one is killed with SIGKILL. */
const MEMBERS = ['collector-a', 'collector-b'];
const p = new Province();
const database = `partition_${process.pid}`;
const collectors = new Map<string, ServiceProcess>();
const boxes: ClusterBox[] = [];
beforeAll(() => p.start({ communes: 6, countersPerCommune: 1, collectors: MEMBERS }), 60_000);
afterAll(async () => {
  await Promise.all(boxes.map((b) => b.close()));
  await Promise.all([...collectors.values()].map((c) => c.stop()));
  await p.stop();
});

const shareOf = (c: ServiceProcess) => {
  const lines = c.output.filter((l) => l.includes('partition share ready'));
  return lines.length ? (JSON.parse(lines.at(-1)!) as { communes: string[] }).communes : undefined;
};

describe('collectors sharing the load', () => {
  it('the rule: every commune has exactly one owner; a leaving member moves only its own communes', () => {
    const communes = [...p.registry.communes.keys()];
    const three = ['c1', 'c2', 'c3'];
    const shares = three.map((m) => ownedCommunes(m, three, communes));
    expect(shares.flat().sort()).toEqual([...communes].sort());
    const after = communes.map((c) => ownerOf(c, ['c1', 'c3']));
    communes.forEach((c, i) => {
      if (ownerOf(c, three) !== 'c2') expect(after[i]).toBe(ownerOf(c, three));
    });
  });

  it('two collectors split the devices without gaps or doubles; one killed: the other takes its communes, nothing lost or doubled, presence consistent', async () => {
    const node = await p.node();
    for (const id of MEMBERS) {
      const cfg = join(p.dir, `${id}.yaml`);
      writeFileSync(
        cfg,
        stringify({
          broker: { url: `mqtt://127.0.0.1:${node.port}`, username: id, password: p.secrets[id] },
          influx: { url: inject('influxUrl'), database, rawRetention: '30d' },
          registryPath: p.registryPath,
          spoolDir: join(p.dir, `spool-${id}`),
          clientId: id,
          partition: { redisUrl: p.redis.url, leaseMs: 1500 },
        }),
      );
      const proc = new ServiceProcess(id, ['collector/main.ts', '--config', cfg], /collector started/);
      collectors.set(id, proc);
      await proc.start();
    }
    const communes = [...p.registry.communes.keys()].sort();
    const [a, b] = MEMBERS.map((m) => collectors.get(m)!);
    // both see both members: disjoint shares that cover the province
    await waitFor(
      () => {
        const sa = shareOf(a);
        const sb = shareOf(b);
        return sa && sb && [...sa, ...sb].sort().join() === communes.join() && sa.length > 0 && sb.length > 0;
      },
      20_000,
      'a split between the two collectors',
    );

    const boxIds = [...p.registry.devices.values()]
      .filter((e) => e.device.kind === 'rating-box')
      .map((e) => e.device.id);
    for (const id of boxIds) boxes.push(new ClusterBox(`mqtt://127.0.0.1:${node.port}`, id, p.secrets[id]));
    await waitFor(() => boxes.every((x) => x.client.connected), 20_000, 'boxes online');
    // the firmware's outbox sweep and heartbeat
    const resend = setInterval(() => boxes.forEach((x) => (x.resend(), x.heartbeat())), 1000);
    try {
      for (let i = 0; i < 5; i++) boxes.forEach((x) => x.press());
      await waitFor(() => boxes.every((x) => x.outbox.size === 0), 30_000, 'ratings acknowledged by both collectors');

      const stream = setInterval(() => boxes.forEach((x) => x.press()), 50);
      await new Promise((r) => setTimeout(r, 300));
      const killedAt = new Date().toISOString();
      await a.kill();
      await waitFor(() => shareOf(b)?.join() === communes.join(), 30_000, 'collector-b owns every commune');
      await new Promise((r) => setTimeout(r, 300));
      clearInterval(stream);
      await waitFor(() => boxes.every((x) => x.outbox.size === 0), 60_000, 'every rating acknowledged');
      const influx = influxFor(inject('influxUrl'), database);
      const sent = boxes.flatMap((x) => x.sent).sort();
      const counts = await waitFor(
        async () => {
          const c = await idCounts(influx);
          return c.size === sent.length && c;
        },
        20_000,
        'every rating in InfluxDB',
      );
      expect([...counts.keys()].sort()).toEqual(sent);
      expect([...counts.values()].every((n) => n === 1)).toBe(true);

      // presence: the survivor's view converges to every box online (heartbeats go on), and the
      // takeover did not re-seed known devices as "registered, offline"
      const last = async () => {
        const rows = await influx.query<{ device: string; online: number; source: string }>(
          `SELECT LAST("online") AS "online", "source" FROM "presence" GROUP BY "device"`,
        );
        return new Map(rows.map((r) => [r.device, r]));
      };
      await waitFor(
        async () => {
          const l = await last();
          return boxIds.every((id) => l.get(id)?.online === 1);
        },
        20_000,
        'every box online in presence',
      );
      const afterKill = await influx.query<{ device: string }>(
        `SELECT "online", "device" FROM "presence" WHERE "source" = 'registered' AND time > '${killedAt}'`,
      );
      expect(afterKill.filter((r) => boxIds.includes(r.device))).toEqual([]);
    } finally {
      clearInterval(resend);
    }
  }, 180_000);
});
