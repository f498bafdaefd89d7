/**
 * The broker's coded errors: tests and operators match on `code`, never on the text.
 * People-facing text is Vietnamese; the code and the English hint are for the logs.
 */
export type BrokerErrorCode =
  | 'BROKER_CONFIG_INVALID'
  | 'BROKER_PERSISTENCE_MISSING'
  | 'BROKER_TLS_MATERIAL_MISSING'
  | 'BROKER_LISTEN_FAILED';

export class BrokerError extends Error {
  constructor(
    readonly code: BrokerErrorCode,
    message: string,
    /** every problem found, each prefixed by its path (config errors) */
    readonly problems: string[] = [],
  ) {
    super(problems.length ? `${message}:\n  - ${problems.join('\n  - ')}` : message);
    this.name = 'BrokerError';
  }
}
