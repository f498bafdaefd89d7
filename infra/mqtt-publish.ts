import type { MqttClient } from 'mqtt';
import type { Clock } from './clock.ts';

/** The one mqtt.js method a publisher needs, so tests can pass a real client or a small fake. */
export interface MqttPublisher {
  publish(
    topic: string,
    message: Buffer | string,
    opts: { qos: 0 | 1; retain?: boolean },
    cb: (err?: Error) => void,
  ): unknown;
}

export class PublishTimeoutError extends Error {
  readonly code = 'PUBLISH_TIMEOUT';
}

/**
 * Publish and wait for the broker's PUBACK (QoS 1) or the write (QoS 0), but never longer than timeoutMs on
 * the injected clock: an offline mqtt.js client queues a publish forever and its callback never runs.
 */
export function publishWithTimeout(
  client: MqttPublisher,
  clock: Clock,
  topic: string,
  payload: Buffer | string,
  opts: { qos: 0 | 1; retain?: boolean },
  timeoutMs: number,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let done = false;
    const timer = clock.setTimeout(() => {
      if (done) return;
      done = true;
      reject(new PublishTimeoutError(`publish on ${topic} timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    const settle = (err?: Error) => {
      if (done) return;
      done = true;
      timer.cancel();
      if (err) reject(err);
      else resolve();
    };
    // an ended mqtt.js client throws instead of calling back
    try {
      client.publish(topic, payload, opts, settle);
    } catch (err) {
      settle(err instanceof Error ? err : new Error(String(err)));
    }
  });
}

/** how long a graceful disconnect may take before the client is ended by force */
export const END_TIMEOUT_MS = 5_000;

/**
 * Graceful disconnect, bounded: a connected client sends DISCONNECT (so its will is not published) and waits
 * for its in-flight messages; one that never connected, or whose broker does not answer within timeoutMs on
 * the injected clock, is ended by force. Always resolves.
 */
export function endClientBounded(
  client: Pick<MqttClient, 'connected' | 'end' | 'stream'>,
  clock: Clock,
  timeoutMs = END_TIMEOUT_MS,
): Promise<void> {
  return new Promise((resolve) => {
    if (!client.connected) {
      client.end(true, {}, () => resolve());
      return;
    }
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      resolve();
    };
    // a second end() while one is under way only calls back (mqtt.js 5), so the socket is cut by hand
    const timer = clock.setTimeout(() => {
      client.stream?.destroy();
      finish();
    }, timeoutMs);
    client.end(false, {}, () => {
      timer.cancel();
      finish();
    });
  });
}
