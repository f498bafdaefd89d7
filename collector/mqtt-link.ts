import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import type { Logger } from '../infra/logger.ts';
import type { CollectorConfig } from './config.ts';

export type MqttFactory = (url: string, opts: IClientOptions) => MqttClient;

export const defaultMqttFactory: MqttFactory = (url, opts) => connect(url, opts);

/** Who the collector is on the broker: its fixed client id and credentials (and the broker's CA for mqtts). */
export function brokerIdentity(config: CollectorConfig): IClientOptions {
  return {
    clientId: config.clientId,
    protocolVersion: 4,
    username: config.broker.username,
    password: config.broker.password,
    ...(config.broker.caPem ? { ca: config.broker.caPem } : {}),
  };
}

/**
 * A persistent session (clean: false, fixed client id) so the broker queues QoS 1 messages while
 * the collector restarts; mqtt.connect (not connectAsync) so a collector that starts before the
 * broker keeps retrying. Subscriptions are renewed on every connect (cheap, idempotent).
 */
export function connectMqtt(
  config: CollectorConfig,
  factory: MqttFactory,
  filters: string[],
  log: Logger,
  onMessage: (topic: string, payload: Buffer, retained: boolean) => void,
  onConnect: () => void = () => undefined,
): { client: MqttClient; subscribed: Promise<void> } {
  const client = factory(config.broker.url, {
    ...brokerIdentity(config),
    clean: false,
    reconnectPeriod: 1000,
    connectTimeout: 10_000,
    keepalive: 30,
    resubscribe: false,
  });
  let markSubscribed: () => void;
  const subscribed = new Promise<void>((resolve) => (markSubscribed = resolve));
  client.on('connect', (connack) => {
    log.info({ sessionPresent: connack.sessionPresent }, 'connected to the broker');
    onConnect();
    const wanted = Object.fromEntries(filters.map((f) => [f, { qos: 1 as const }]));
    client.subscribe(wanted, (err, granted) => {
      if (err) return log.error({ err: err.message }, 'subscribe failed');
      const refused = (granted ?? []).filter((g) => g.qos === 128).map((g) => g.topic);
      if (refused.length) log.error({ refused }, 'broker refused subscriptions');
      markSubscribed();
    });
  });
  client.on('message', (topic, payload, packet) => {
    try {
      // retain is set only on a retained copy replayed at subscribe time [MQTT-3.3.1-9]
      onMessage(topic, payload, packet.retain === true);
    } catch (err) {
      // the pipeline never throws; this is a last guard so one message cannot stop the stream
      log.error({ err, topic }, 'message handling failed');
    }
  });
  client.on('error', (err) => log.warn({ err: err.message }, 'mqtt error'));
  client.on('offline', () => log.warn('broker offline; reconnecting'));
  return { client, subscribed };
}
