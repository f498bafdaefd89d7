/** The collector's coded errors: tests and operators match the code, never the text. */
export type CollectorErrorCode =
  | 'COLLECTOR_CONFIG_INVALID'
  | 'COLLECTOR_CONFIG_UNREADABLE'
  | 'COLLECTOR_PASSWORD_FILE'
  | 'COLLECTOR_CLOSED';

export class CollectorError extends Error {
  constructor(
    readonly code: CollectorErrorCode,
    message: string,
    readonly problems: string[] = [],
  ) {
    super(message);
    this.name = 'CollectorError';
  }
}
