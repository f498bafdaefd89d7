/** Coded errors of the review report; messages are Vietnamese (shown to district/province staff). */
export type ReportErrorCode =
  | 'BAD_ARGS'
  | 'BAD_DATE'
  | 'BAD_PERIOD'
  | 'UNKNOWN_AREA'
  | 'REGISTRY'
  | 'INFLUX'
  | 'CONSOLE_DB';

export class ReportError extends Error {
  constructor(
    readonly code: ReportErrorCode,
    message: string,
  ) {
    super(message);
  }
}
