import { loadRegistry, RegistryError, type Registry } from '../../devices/registry/index.ts';
import { SharedConnection } from './connection.ts';
import { ConsoleClient } from './console-client.ts';
import type { RedApi, RedNode } from './red.ts';
import { connectionStatus } from './status.ts';

export const CONFIG_TYPE = 'thanthien-config';

/** What the editor stores for the config node; username and password are Node-RED credentials (never in flows.json). */
export type ConfigProps = { name?: string; broker: string; clientId?: string; consoleUrl?: string; registry?: string };

export interface ConfigNode extends RedNode {
  connection: SharedConnection;
  consoleUrl: string;
  registry?: Registry;
  /** why the registry file could not be used (Vietnamese, with paths) */
  registryError?: string;
}

function readRegistry(node: ConfigNode, path: string | undefined): void {
  if (!path?.trim()) return;
  try {
    node.registry = loadRegistry(path.trim());
  } catch (err) {
    node.registryError = err instanceof RegistryError ? err.message : String(err);
    node.error(node.registryError);
  }
}

export function registerConfigNode(RED: RedApi): void {
  RED.nodes.registerType(
    CONFIG_TYPE,
    function (this: RedNode, props: ConfigProps) {
      RED.nodes.createNode(this, props);
      const node = this as ConfigNode;
      node.consoleUrl = (props.consoleUrl ?? '').trim().replace(/\/+$/, '');
      readRegistry(node, props.registry);
      node.connection = new SharedConnection({
        url: props.broker,
        username: node.credentials?.username,
        password: node.credentials?.password,
        clientId: props.clientId?.trim() || undefined,
      });
      // log transitions, not every reconnect attempt: a broker down for a night must not fill the log
      let wasConnected = false;
      node.connection.onState((state, detail) => {
        if (state === 'refused') node.warn(connectionStatus(state, detail).text);
        if (state === 'connected' && !wasConnected) node.log(`đã kết nối ${props.broker}`);
        if (state === 'disconnected' && wasConnected)
          node.warn(`mất kết nối ${props.broker}${detail ? `: ${detail}` : ''}`);
        if (state === 'connected' || state === 'disconnected') wasConnected = state === 'connected';
      });
      node.connection.start();
      node.on('close', (_removed, done) => {
        void node.connection.stop().then(done, done);
      });
    },
    { credentials: { username: { type: 'text' }, password: { type: 'password' } } },
  );
}

/** The config node a node refers to, or undefined when none is set (the node then shows an error status). */
export function configOf(RED: RedApi, id: string | undefined): ConfigNode | undefined {
  const node = id ? (RED.nodes.getNode(id) as ConfigNode | null) : null;
  return node?.connection ? node : undefined;
}

/**
 * For a node that calls the console: its configuration node, and a client of the console named there, signed in
 * with the node's own account (its credentials: a person's account, not the config node's MQTT one).
 */
export function consoleOf(
  RED: RedApi,
  node: RedNode,
  configId: string | undefined,
): { config?: ConfigNode; client: ConsoleClient } {
  const config = configOf(RED, configId);
  const client = new ConsoleClient({
    baseUrl: config?.consoleUrl ?? '',
    username: node.credentials?.username,
    password: node.credentials?.password,
  });
  return { config, client };
}
