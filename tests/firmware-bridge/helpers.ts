import mqtt, { type MqttClient } from 'mqtt';
import { waitFor } from '../harness/wait.ts';
export { waitFor };

/** A subscriber that records every message; reconnects by itself (a restarted broker forgets it). */
export async function recorder(
  url: string,
  filters: string[],
  clientId = `rec-${Math.random().toString(16).slice(2)}`,
) {
  const messages: { topic: string; payload: Buffer; qos: number; retain: boolean }[] = [];
  const client: MqttClient = mqtt.connect(url, { clientId, reconnectPeriod: 200, clean: true });
  client.on('connect', () => filters.length && client.subscribe(filters, { qos: 1 }));
  client.on('message', (topic, payload, packet) =>
    messages.push({ topic, payload, qos: packet.qos, retain: packet.retain }),
  );
  await waitFor(() => client.connected, 20_000, 'recorder connected');
  // subscriptions are granted before we return
  if (filters.length)
    await new Promise<void>((resolve, reject) =>
      client.subscribe(filters, { qos: 1 }, (err) => (err ? reject(err) : resolve())),
    );
  return {
    client,
    messages,
    json: (topic: string) =>
      messages.filter((m) => m.topic === topic).map((m) => JSON.parse(m.payload.toString()) as Record<string, unknown>),
    close: () => new Promise<void>((resolve) => client.end(true, {}, () => resolve())),
  };
}
