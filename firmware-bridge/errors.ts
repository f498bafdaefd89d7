/** The bridge's coded errors: tests and callers check `code`, never the text. */
export const BRIDGE_ERROR_CODES = [
  'BRIDGE_CONFIG_INVALID',
  'BRIDGE_CONFIG_UNREADABLE',
  'BRIDGE_IO_TIMEOUT',
  'BRIDGE_IO_ERROR',
  'BRIDGE_IO_PLUGIN_MISSING',
  'BRIDGE_OUTBOX_FULL',
  'BRIDGE_OUTBOX_CLOSED',
  'BRIDGE_OUTBOX_INVALID',
  'BRIDGE_PUBLISH_TIMEOUT',
  'BRIDGE_NOT_CONNECTED',
] as const;
export type BridgeErrorCode = (typeof BRIDGE_ERROR_CODES)[number];

export class BridgeError extends Error {
  constructor(
    readonly code: BridgeErrorCode,
    message: string,
    readonly problems: string[] = [],
  ) {
    super(message);
    this.name = 'BridgeError';
  }
}
