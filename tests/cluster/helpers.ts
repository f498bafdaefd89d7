import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAsync, type IClientOptions, type MqttClient } from 'mqtt';
import { stringify } from 'yaml';
import { parseBrokerConfig, type BrokerConfigInput } from '../../broker/config.ts';
import { startBroker, type RunningBroker } from '../../broker/index.ts';
import { parseRegistry, type Registry } from '../../devices/registry/index.ts';
import { demoRegistry } from '../../simulator/demo-registry.ts';
import { hashPassword } from '../../devices/credentials.ts';
import { ServiceProcess } from '../../infra/child.ts';
import { LocalHaproxy, type BackendNode } from '../../infra/haproxy.ts';
import { silentLogger } from '../../infra/logger.ts';
import { freePort } from '../../infra/ports.ts';
import { LocalRedis } from '../../infra/redis-server.ts';

export { waitFor } from '../harness/wait.ts';
export { collect, publishAcked, subscribeGranted, CHEAP, BOX, BOX2, SPEAKER } from '../broker/helpers.ts';

/** One province in a temp folder: a real redis-server, a registry, broker nodes (in-process or as processes), haproxy. */
export class Province {
  readonly dir = mkdtempSync(join(tmpdir(), 'tt-cluster-'));
  readonly redis = new LocalRedis(join(this.dir, 'redis'));
  registry!: Registry;
  registryPath = '';
  secrets: Record<string, string> = {};
  readonly secret = randomBytes(32);
  readonly inProcess: RunningBroker[] = [];
  readonly processes: ServiceProcess[] = [];
  readonly balancers: LocalHaproxy[] = [];
  readonly clients: MqttClient[] = [];

  async start(opts: { communes?: number; countersPerCommune?: number; collectors?: string[] } = {}): Promise<this> {
    const { collectors = [], ...demoOpts } = opts;
    const demo = await demoRegistry({ cost: { N: 1024, r: 8, p: 1 }, ...demoOpts });
    this.secrets = demo.secrets;
    for (const id of collectors) {
      this.secrets[id] = randomBytes(12).toString('base64url');
      demo.file.services.push({
        id,
        role: 'collector',
        passwordHash: await hashPassword(this.secrets[id], { N: 1024, r: 8, p: 1 }),
      });
    }
    this.registryPath = join(this.dir, 'registry.yaml');
    writeFileSync(this.registryPath, collectors.length ? stringify(demo.file) : demo.yaml);
    writeFileSync(join(this.dir, 'auth-secret'), this.secret.toString('hex'));
    this.registry = parseRegistry(readFileSync(this.registryPath, 'utf8'), 'test');
    await this.redis.start();
    return this;
  }

  /** the project's cluster wiring: persistence and emitter both on this Redis */
  nodeConfig(over: Partial<BrokerConfigInput> = {}): BrokerConfigInput {
    return {
      host: '127.0.0.1',
      port: 0,
      registryPath: this.registryPath,
      persistence: { kind: 'redis', url: this.redis.url },
      cluster: { heartbeatIntervalMs: 300 },
      statsIntervalMs: 1000,
      ...over,
    };
  }

  async node(over: Partial<BrokerConfigInput> = {}): Promise<RunningBroker> {
    const config = parseBrokerConfig(this.nodeConfig(over));
    const b = await startBroker({
      config,
      registry: this.registry,
      log: silentLogger,
      ...(config.sharedAuthCache ? { authCacheSecret: this.secret } : {}),
    });
    this.inProcess.push(b);
    return b;
  }

  /** a broker node as its own process (broker/main.ts), so it can be killed with SIGKILL */
  async nodeProcess(
    name: string,
    over: Partial<BrokerConfigInput> = {},
  ): Promise<{ proc: ServiceProcess; port: number }> {
    const port = await freePort();
    const path = join(this.dir, `broker-${name}.yaml`);
    writeFileSync(
      path,
      stringify(this.nodeConfig({ port, cluster: { heartbeatIntervalMs: 300, nodeName: name }, ...over })),
    );
    const proc = new ServiceProcess(`broker-${name}`, ['broker/main.ts', '--config', path], /broker listening/);
    this.processes.push(proc);
    await proc.start();
    return { proc, port };
  }

  async balancer(nodes: BackendNode[], balance: 'first' | 'leastconn' = 'first'): Promise<LocalHaproxy> {
    const h = new LocalHaproxy({
      dir: join(this.dir, `haproxy-${this.balancers.length}`),
      nodes,
      balance,
      checkIntervalMs: 200,
    });
    this.balancers.push(h);
    await h.start();
    return h;
  }

  /** connect as a registry id with its password */
  async connect(id: string, port: number, opts: IClientOptions = {}): Promise<MqttClient> {
    const c = await connectAsync(`mqtt://127.0.0.1:${port}`, {
      clientId: id,
      username: id,
      password: this.secrets[id],
      protocolVersion: 4,
      reconnectPeriod: 0,
      connectTimeout: 20_000,
      ...opts,
    });
    this.clients.push(c);
    return c;
  }

  async stop(): Promise<void> {
    await Promise.all(this.clients.map((c) => c.endAsync(true).catch(() => {})));
    await Promise.all(this.inProcess.map((b) => b.close()));
    await Promise.all(this.processes.map((p) => p.stop()));
    await Promise.all(this.balancers.map((h) => h.stop()));
    await this.redis.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
