import type { MqttClient } from 'mqtt';
import type { Clock } from '../infra/clock.ts';

export class PublishTimeoutError extends Error {
  readonly code = 'PUBLISH_TIMEOUT';
}

/** Publish and wait for the broker's PUBACK, but never longer than timeoutMs (an offline client queues forever). */
export function publishWithTimeout(
  client: MqttClient,
  clock: Clock,
  topic: string,
  payload: Buffer,
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
    client.publish(topic, payload, opts, (err) => {
      if (done) return;
      done = true;
      timer.cancel();
      if (err) reject(err);
      else resolve();
    });
  });
}

/** Graceful disconnect, bounded: a client that never connected (or hangs) is ended by force. */
export function endClient(client: MqttClient, clock: Clock): Promise<void> {
  return new Promise((resolve) => {
    if (!client.connected) return client.end(true, {}, () => resolve());
    const timer = clock.setTimeout(() => client.end(true, {}, () => resolve()), 5000);
    client.end(false, {}, () => {
      timer.cancel();
      resolve();
    });
  });
}
