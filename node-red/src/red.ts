/**
 * The small part of the Node-RED runtime API these nodes use. Node-RED ships no types of its own
 * and @node-red/* type packages are not installed; restating the few members we call keeps us strict.
 */
export type NodeStatus = { fill?: 'red' | 'green' | 'yellow' | 'blue' | 'grey'; shape?: 'ring' | 'dot'; text?: string };

export type NodeMessage = { _msgid?: string; topic?: string; payload?: unknown; [key: string]: unknown };

export interface RedNode {
  id: string;
  credentials?: Record<string, string | undefined>;
  on(
    event: 'input',
    fn: (msg: NodeMessage, send: (out: (NodeMessage | null)[]) => void, done: (err?: Error) => void) => void,
  ): void;
  on(event: 'close', fn: (removed: boolean, done: () => void) => void): void;
  send(out: (NodeMessage | null)[] | NodeMessage): void;
  status(status: NodeStatus | Record<string, never>): void;
  error(err: unknown, msg?: NodeMessage): void;
  warn(msg: unknown): void;
  log(msg: unknown): void;
}

export interface RedApi {
  nodes: {
    createNode(node: unknown, config: unknown): void;
    getNode(id: string): unknown;
    registerType(
      type: string,
      ctor: (this: RedNode, config: never) => void,
      opts?: { credentials?: Record<string, { type: 'text' | 'password' }> },
    ): void;
  };
}
