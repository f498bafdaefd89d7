import type { StreamPlayer } from '../../../firmware-bridge/speaker/player-stream.ts';
import mqtt, { type MqttClient } from 'mqtt';
import { encode, type SchedulePayload } from '../../../devices/contract/index.ts';
import { topicFor } from '../../../devices/topics.ts';
import { FakeIO } from '../../../firmware-bridge/io/fake-io.ts';
import type { DigitalOutput, GpioBoard } from '../../../firmware-bridge/io/io.ts';
import { openJohnnyFiveBoard } from '../../../firmware-bridge/io/johnny-five.ts';
import { SpeakerConfig, type SpeakerConfigInput } from '../../../firmware-bridge/speaker/config.ts';
import { FakePlayer } from '../../../firmware-bridge/speaker/player-fake.ts';
import { SpeakerUnit } from '../../../firmware-bridge/speaker/speaker-unit.ts';
import { TestContext } from './context.ts';
import type { FakeClock } from '../../support/fake-clock.ts';
import type { FakeTrustedTime } from './trusted-time.ts';
import { COMMUNE, HAMLET, KEYS, withTimeout } from './fixtures.ts';

export const RELAY_PIN = 7;

/** One speaker: unit + fake player + relay through johnny-five on a fake IO + a real MQTT context. */
export class SpeakerRig {
  unit!: SpeakerUnit;
  player!: FakePlayer;
  io!: FakeIO;
  board!: GpioBoard;
  relay!: DigitalOutput;
  tc!: TestContext;

  constructor(
    readonly deviceId: string,
    readonly brokerUrl: string,
    readonly dataDir: string,
    readonly clock: FakeClock,
    readonly time: FakeTrustedTime,
    readonly config: Partial<SpeakerConfigInput> & { consoleUrl: string },
    readonly playMs = 10_000,
    /** relays and live streams (default: the unit's ffmpeg player) */
    readonly streamPlayer?: StreamPlayer,
  ) {}

  async start(): Promise<void> {
    const config = {
      ...SpeakerConfig.parse({
        commune: COMMUNE,
        hamlet: HAMLET,
        schedulePublicKey: KEYS.publicKey,
        relayPin: RELAY_PIN,
        player: { kind: 'fake' },
        warmupMs: 2_000,
        ...this.config,
      }),
      schedulePublicKey: KEYS.publicKey,
    };
    this.io = new FakeIO();
    this.board = await openJohnnyFiveBoard({ io: this.io, timeoutMs: 20_000 });
    this.relay = this.board.output(RELAY_PIN, 'relay');
    this.player = new FakePlayer(this.clock, () => this.playMs);
    this.unit = new SpeakerUnit({ config, relay: this.relay, player: this.player, streamPlayer: this.streamPlayer });
    this.tc = new TestContext(this.deviceId, this.brokerUrl, {
      clock: this.clock,
      time: this.time,
      dataDir: this.dataDir,
    });
    await this.unit.start(this.tc.ctx);
  }

  /** power cut: nothing is saved on the way down */
  async kill(): Promise<void> {
    await this.tc.close();
    await this.board.close();
  }

  async stop(): Promise<void> {
    await this.unit.stop();
    await this.tc.close();
    await this.board.close();
  }
}

/** The console's publisher: retained QoS 1 on tt/v1/<speaker>/schedule. */
export class ConsolePublisher {
  readonly client: MqttClient;
  constructor(url: string) {
    this.client = mqtt.connect(url, {
      clientId: `console-${process.pid}-${Math.random().toString(36).slice(2)}`,
      reconnectPeriod: 200,
    });
  }
  async publish(speaker: string, payload: SchedulePayload | Record<string, unknown>): Promise<void> {
    const bytes =
      'sig' in payload && 'doc' in payload && Object.keys(payload).length === 3
        ? encode('schedule', payload as SchedulePayload)
        : Buffer.from(JSON.stringify(payload));
    await withTimeout(this.client.publishAsync(topicFor(speaker, 'schedule'), bytes, { qos: 1, retain: true }));
  }
  async close(): Promise<void> {
    await this.client.endAsync(true);
  }
}
