/** Counters of everything the collector did or refused; `stats()` hands out a copy. */
export type CollectorStats = {
  /** messages taken from MQTT */
  received: number;
  /** points written to InfluxDB (directly or from the spool) */
  stored: number;
  /** messages refused, by reason (each also stored as a 'rejection' point) */
  rejected: Record<string, number>;
  /** points appended to the disk spool while InfluxDB was unreachable */
  spooled: number;
  /** spooled points later written to InfluxDB */
  unspooled: number;
  /** points not spooled because the spool was full (their ids were not acknowledged: devices keep them) */
  spoolDropped: number;
  /** points lost to a failing spool (disk error); ids not acknowledged */
  spoolFailed: number;
  /** bytes of partial lines dropped from the spool after a crash */
  spoolTruncatedBytes: number;
  /** points InfluxDB refused permanently (HTTP 400, e.g. a field type conflict) */
  writeRefused: number;
  /** writes that found InfluxDB unreachable */
  writeFailures: number;
  /** extension exceptions (also counted under rejected['extension-error']) */
  extensionErrors: number;
  /** ids acknowledged to devices */
  acked: number;
  /** ack messages whose publish failed or timed out (the device resends; the redelivery is idempotent) */
  ackFailed: number;
  /** points waiting in the current batch or in the write queue */
  pending: number;
  /** bytes in the disk spool now */
  spoolBytes: number;
};

export function emptyStats(): CollectorStats {
  return {
    received: 0,
    stored: 0,
    rejected: {},
    spooled: 0,
    unspooled: 0,
    spoolDropped: 0,
    spoolFailed: 0,
    spoolTruncatedBytes: 0,
    writeRefused: 0,
    writeFailures: 0,
    extensionErrors: 0,
    acked: 0,
    ackFailed: 0,
    pending: 0,
    spoolBytes: 0,
  };
}
