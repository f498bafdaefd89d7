import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';

/**
 * node-red-node-test-helper (CommonJS) driving the SHIPPED bundle node-red/dist/thanthien.js,
 * so the tests exercise exactly what `npm install` puts into a Node-RED user dir.
 */
const require = createRequire(import.meta.url);

export type TestNode = {
  id: string;
  on(event: string, fn: (arg: any) => void): void;
  receive(msg: unknown): void;
};
type Helper = {
  init(path: string): void;
  load(nodes: unknown, flow: unknown[], credentials?: Record<string, Record<string, string>>): Promise<void>;
  unload(): Promise<void>;
  getNode(id: string): TestNode;
  startServer(done: () => void): void;
  stopServer(done: () => void): void;
};

export const helper: Helper = require('node-red-node-test-helper');
helper.init(require.resolve('node-red'));
export const thanthien: unknown = require('../../node-red/dist/thanthien.js');

export function useNodeRedServer(): void {
  beforeEach(() => new Promise<void>((resolve) => helper.startServer(resolve)));
  afterEach(async () => {
    await helper.unload();
    await new Promise<void>((resolve) => helper.stopServer(resolve));
  });
}

export type Status = { fill?: string; shape?: string; text?: string };

/** Load a flow and record what the listed nodes receive and what status each node shows. */
export async function loadFlow(
  flow: unknown[],
  credentials: Record<string, Record<string, string>>,
  sinks: string[],
  watched: string[],
) {
  await helper.load(thanthien, flow, credentials);
  const received: Record<string, any[]> = {};
  for (const id of sinks) {
    received[id] = [];
    helper.getNode(id).on('input', (msg) => received[id].push(msg));
  }
  const statuses: Record<string, Status[]> = {};
  for (const id of watched) {
    statuses[id] = [];
    helper.getNode(id).on('call:status', (call: { args: [Status] }) => statuses[id].push(call.args[0]));
  }
  const last = (id: string): Status | undefined => statuses[id].at(-1);
  return { received, statuses, last };
}

/** Node-RED core nodes the example flows use (debug nodes are swapped for recording helpers). */
const core = (path: string): unknown => require(`@node-red/nodes/core/${path}`);
export const CORE_NODES = [
  core('function/10-function.js'),
  core('function/80-template.js'),
  core('common/90-comment.js'),
  core('common/20-inject.js'),
];

export const EXAMPLES_DIR = join(import.meta.dirname, '../../node-red/examples');
export type FlowNode = { id: string; type: string; [k: string]: unknown };
export const example = (name: string): FlowNode[] => JSON.parse(readFileSync(join(EXAMPLES_DIR, name), 'utf8'));

/**
 * A shipped example as the editor would import it (onto a tab), with `patch` applied per node,
 * debug nodes replaced by helpers; loaded with the given credentials. Returns what each helper received.
 */
export async function loadExample(
  name: string,
  patch: (n: FlowNode) => FlowNode,
  credentials: Record<string, Record<string, string>>,
) {
  const flow: FlowNode[] = [
    { id: 'tab', type: 'tab' },
    ...example(name).map((n) => {
      if (n.type === 'thanthien-config') return patch(n);
      if (n.type === 'debug') return { id: n.id, z: 'tab', type: 'helper' };
      return patch({ ...n, z: 'tab' });
    }),
  ];
  await helper.load([thanthien, ...CORE_NODES], flow, credentials);
  const got: Record<string, any[]> = {};
  for (const n of flow.filter((f) => f.type === 'helper')) {
    got[n.id] = [];
    helper.getNode(n.id).on('input', (msg) => got[n.id].push(msg));
  }
  return got;
}
