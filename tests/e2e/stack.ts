import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { InfluxDB } from 'influx';
import { stringify } from 'yaml';
import { demoRegistry } from '../../simulator/demo-registry.ts';
import { ServiceProcess } from '../../infra/child.ts';
import { LocalInfluxd } from '../../infra/influxd.ts';
import { freePort } from '../../infra/ports.ts';
import { influxClient } from '../../infra/influx-client.ts';
import { waitFor } from '../harness/wait.ts';

/**
 * The whole ratings path as separate processes (broker, collector) plus an influxd of its own,
 * so tests can kill -9 any of them and start it again on the same port and data.
 */
export class Stack {
  influxd!: LocalInfluxd;
  broker!: ServiceProcess;
  collector!: ServiceProcess;
  brokerPort = 0;
  registryPath = '';
  secrets: Record<string, string> = {};
  readonly database = 'e2e';

  constructor(readonly dir: string) {}

  get brokerUrl(): string {
    return `mqtt://127.0.0.1:${this.brokerPort}`;
  }

  async start(): Promise<void> {
    const { yaml, secrets } = await demoRegistry({ cost: { N: 1024, r: 8, p: 1 }, countersPerCommune: 3 });
    this.secrets = secrets;
    this.registryPath = join(this.dir, 'registry.yaml');
    writeFileSync(this.registryPath, yaml);
    this.influxd = new LocalInfluxd({ dir: join(this.dir, 'influxd') });
    await this.influxd.start();
    this.brokerPort = await freePort();
    writeFileSync(
      join(this.dir, 'broker.yaml'),
      stringify({ host: '127.0.0.1', port: this.brokerPort, registryPath: this.registryPath, statsIntervalMs: 1000 }),
    );
    writeFileSync(
      join(this.dir, 'collector.yaml'),
      stringify({
        broker: { url: this.brokerUrl, username: 'collector', password: secrets.collector },
        influx: { url: this.influxd.url, database: this.database },
        registryPath: this.registryPath,
        spoolDir: join(this.dir, 'spool'),
      }),
    );
    await this.startBroker();
    await this.startCollector();
  }

  async startBroker(): Promise<void> {
    this.broker = this.#service('broker', /broker listening/);
    await this.broker.start();
  }

  async startCollector(): Promise<void> {
    this.collector = this.#service('collector', /collector started/);
    await this.collector.start();
  }

  /** a service's main.ts on its config file in this stack's folder, ready once it logs `ready` */
  #service(name: 'broker' | 'collector', ready: RegExp): ServiceProcess {
    return new ServiceProcess(name, [`${name}/main.ts`, '--config', join(this.dir, `${name}.yaml`)], ready);
  }

  influx(): InfluxDB {
    return influxClient(this.influxd.url, this.database);
  }

  /** how many points each rating id has in InfluxDB */
  async storedIds(): Promise<Map<string, number>> {
    const rows = await this.influx().query<{ id: string }>('SELECT "id" FROM "rating"');
    const seen = new Map<string, number>();
    for (const r of rows) seen.set(r.id, (seen.get(r.id) ?? 0) + 1);
    return seen;
  }

  /** the stored ids (with their counts) once every one of `ids` is stored */
  waitStored(ids: Set<string>, timeoutMs: number, what: string): Promise<Map<string, number>> {
    return waitFor(
      async () => {
        const s = await this.storedIds();
        return [...ids].every((id) => s.has(id)) ? s : undefined;
      },
      timeoutMs,
      what,
    );
  }

  async stop(): Promise<void> {
    await this.collector?.stop();
    await this.broker?.stop();
    await this.influxd?.stop();
  }
}

export { waitFor };
