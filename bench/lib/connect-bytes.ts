import mqttPacket from 'mqtt-packet';

/** an MQTT 3.1.1 CONNECT (clean session, keepalive 30 s) logging in as registry id `id`, for raw-socket load */
export const connectBytes = (id: string, password: string): Buffer =>
  mqttPacket.generate({
    cmd: 'connect',
    protocolId: 'MQTT',
    protocolVersion: 4,
    clean: true,
    clientId: id,
    keepalive: 30,
    username: id,
    password: Buffer.from(password),
  });
