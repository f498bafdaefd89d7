import { connectAsync, type IClientOptions, type MqttClient } from 'mqtt';

/**
 * Connect as a registry id with its password: MQTT 3.1.1 (aedes speaks nothing else), no reconnect (a test
 * sees a refusal at once), a generous connect timeout (the machine may be loaded). `opts` overrides any of it.
 */
export function connectAs(
  url: string,
  id: string,
  password: string | undefined,
  opts: IClientOptions = {},
): Promise<MqttClient> {
  return connectAsync(url, {
    clientId: id,
    username: id,
    password,
    protocolVersion: 4,
    reconnectPeriod: 0,
    connectTimeout: 20_000,
    ...opts,
  });
}
