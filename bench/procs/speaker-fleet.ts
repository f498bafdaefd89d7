/**
 * A share of the province-reach fleet in its own process (forked by bench/province-reach.ts): one real
 * SpeakerUnit per speaker, each with its own MQTT connection to the project broker under its own device
 * credentials, fetching the audio from the console over HTTP as a speaker does. It reports to the parent
 * over IPC what each speaker did and when (wall clock: every process of the machine reads the same one),
 * and what the simulator itself cost (CPU time, event-loop delay) so that share can be told apart.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import mqtt, { type MqttClient } from 'mqtt';
import { decode, encode, type BroadcastLogPayload } from '../../devices/contract/index.ts';
import { parseAreaTopic } from '../../devices/topics.ts';
import { topicFor, type DownlinkChannel } from '../../devices/topics.ts';
import { systemClock } from '../../infra/clock.ts';
import { silentLogger } from '../../infra/logger.ts';
import { AREA_QOS, type AreaMessage, type BridgeContext, type TrustedTime } from '../../firmware-bridge/unit.ts';
import { SpeakerConfig } from '../../firmware-bridge/speaker/config.ts';
import { FakePlayer } from '../../firmware-bridge/speaker/player-fake.ts';
import { SpeakerUnit } from '../../firmware-bridge/speaker/speaker-unit.ts';

export type FleetSpeaker = { id: string; password: string; commune: string; hamlet: string; communeKey: string };
export type FleetPlan = {
  brokerUrl: string;
  consoleUrl: string;
  warmupMs: number;
  province: { code: string; key: string };
  dataDir: string;
  speakers: FleetSpeaker[];
};
/** per speaker, wall-clock ms (null: not yet) */
export type SpeakerMarks = {
  id: string;
  provinceArrivedAt: number | null;
  lastArrivedAt: number | null;
  stopArrivedAt: number | null;
  provinceAcceptedAt: number | null;
  /** the province's area emergency order reached the speaker's MQTT client; the speaker accepted it */
  areaArrivedAt: number | null;
  areaAcceptedAt: number | null;
  playStartedAt: number | null;
  relayOffAt: number | null;
};
export type FleetReport = {
  connected: number;
  communeAccepted: number;
  provinceAccepted: number;
  playing: number;
  relayOff: number;
  /** only when asked (`full`): it is large, and sending it while measuring would cost the fleet CPU */
  marks?: SpeakerMarks[];
  /** CPU ms this process used since the last `mark` and the event-loop delay over that time */
  cpuMs: number;
  loopDelay: { p50Ms: number; p99Ms: number; maxMs: number };
};
export type FleetRequest =
  | { type: 'report'; full?: boolean }
  | { type: 'mark' }
  | { type: 'reset-off' }
  | { type: 'close' };

const synced: TrustedTime = { synced: () => true, whenSynced: () => Promise.resolve() };

type Sp = {
  unit: SpeakerUnit;
  player: FakePlayer;
  client: MqttClient;
  marks: SpeakerMarks;
  relayOn: boolean;
  communeOk: boolean;
};

/** the bridge core's part a speaker needs, over a real MQTT connection with the device's own credentials */
function contextFor(s: FleetSpeaker, plan: FleetPlan, sp: Sp): { ctx: BridgeContext; client: MqttClient } {
  const client = mqtt.connect(plan.brokerUrl, {
    clientId: s.id,
    username: s.id,
    password: s.password,
    clean: false,
    reconnectPeriod: 1_000,
    connectTimeout: 30_000,
    keepalive: 120,
  });
  const handlers = new Map<string, (msg: never) => void>();
  const areaHandlers = new Map<string, (msg: AreaMessage) => void>();
  client.on('message', (topic, bytes) => {
    const area = areaHandlers.get(topic);
    if (area) {
      const emergency = parseAreaTopic(topic)?.kind === 'emergency';
      if (emergency) sp.marks.areaArrivedAt ??= Date.now();
      else sp.marks.stopArrivedAt = Date.now();
      let msg: AreaMessage;
      try {
        msg = { ok: true, payload: JSON.parse(bytes.toString('utf8')) };
      } catch (err) {
        msg = { ok: false, error: 'payload-not-json', detail: String(err) };
      }
      area(msg);
      if (emergency && sp.marks.areaAcceptedAt === null && sp.unit.stats.areaEmergencies.accepted > 0)
        sp.marks.areaAcceptedAt = Date.now();
      return;
    }
    const d = decode(topic, bytes);
    const channel = d.channel as DownlinkChannel | undefined;
    if (channel === 'schedule-province') {
      sp.marks.lastArrivedAt = Date.now();
      sp.marks.provinceArrivedAt ??= sp.marks.lastArrivedAt;
    }
    const handler = channel ? handlers.get(channel) : undefined;
    if (handler)
      handler((d.ok ? { ok: true, payload: d.payload } : { ok: false, error: d.error, detail: d.detail }) as never);
  });
  const ctx: BridgeContext = {
    deviceId: s.id,
    clock: systemClock,
    time: synced,
    log: silentLogger,
    dataDir: join(plan.dataDir, s.id),
    // the real outbox is durable and waits for the collector's ack; here the log is sent once (no collector runs)
    outbox: {
      add: async (_c, payload) =>
        void client.publish(topicFor(s.id, 'broadcast-log'), encode('broadcast-log', payload as BroadcastLogPayload), {
          qos: 1,
        }),
      depth: () => 0,
    },
    publish: (channel, payload, o) => {
      if (channel === 'schedule-status') {
        const st = payload as { status: string; issuer?: string; actives?: { commune?: number } };
        if (st.status === 'accepted' && st.issuer === 'province' && sp.marks.provinceAcceptedAt === null)
          sp.marks.provinceAcceptedAt = Date.now();
        if ((st.actives?.commune ?? 0) >= 1) sp.communeOk = true;
      }
      client.publish(topicFor(s.id, channel), encode(channel, payload), {
        retain: o?.retain ?? false,
        qos: o?.qos ?? 1,
      });
    },
    subscribe: (channel, handler) => {
      handlers.set(channel, handler as (msg: never) => void);
      client.subscribe(topicFor(s.id, channel), { qos: 1 });
    },
    subscribeArea: (topic, handler) => {
      areaHandlers.set(topic, handler);
      client.subscribe(topic, { qos: AREA_QOS });
    },
    contributeState: () => undefined,
  };
  return { ctx, client };
}

async function main(): Promise<void> {
  const plan = await new Promise<FleetPlan>((resolve) => process.once('message', (m) => resolve(m as FleetPlan)));
  const speakers: Sp[] = [];
  for (const s of plan.speakers) {
    const cfg = SpeakerConfig.parse({
      commune: s.commune,
      hamlet: s.hamlet,
      schedulePublicKey: s.communeKey,
      upperKeys: [{ level: 'province', code: plan.province.code, publicKey: plan.province.key }],
      consoleUrl: plan.consoleUrl,
      relayPin: 7,
      warmupMs: plan.warmupMs,
      player: { kind: 'fake' },
    });
    const sp = {
      relayOn: false,
      communeOk: false,
      marks: {
        id: s.id,
        provinceArrivedAt: null,
        lastArrivedAt: null,
        stopArrivedAt: null,
        provinceAcceptedAt: null,
        areaArrivedAt: null,
        areaAcceptedAt: null,
        playStartedAt: null,
        relayOffAt: null,
      },
    } as unknown as Sp;
    const relay = {
      get on() {
        return sp.relayOn;
      },
      set: (v: boolean) => {
        if (sp.relayOn && !v && sp.marks.relayOffAt === null) sp.marks.relayOffAt = Date.now();
        sp.relayOn = v;
      },
    };
    sp.player = new FakePlayer(systemClock, () => 10 * 60_000);
    const play = sp.player.play.bind(sp.player);
    sp.player.play = (req) => {
      if (sp.marks.playStartedAt === null) sp.marks.playStartedAt = Date.now();
      return play(req);
    };
    sp.unit = new SpeakerUnit({
      config: { ...cfg, schedulePublicKey: cfg.schedulePublicKey! },
      relay,
      player: sp.player,
    });
    const { ctx, client } = contextFor(s, plan, sp);
    sp.client = client;
    mkdirSync(ctx.dataDir, { recursive: true });
    await sp.unit.start(ctx);
    speakers.push(sp);
  }
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  let cpu = process.cpuUsage();
  const ms = (ns: number) => Math.round(ns / 1e6);
  process.on('message', async (m: FleetRequest) => {
    if (m.type === 'mark') {
      cpu = process.cpuUsage();
      loop.reset();
      process.send!({ type: 'marked' });
    } else if (m.type === 'reset-off') {
      for (const s of speakers) s.marks.relayOffAt = s.marks.stopArrivedAt = null;
      process.send!({ type: 'reset' });
    } else if (m.type === 'report') {
      const used = process.cpuUsage(cpu);
      const report: FleetReport = {
        connected: speakers.filter((s) => s.client.connected).length,
        communeAccepted: speakers.filter((s) => s.communeOk).length,
        provinceAccepted: speakers.filter((s) => s.marks.provinceAcceptedAt !== null).length,
        playing: speakers.filter((s) => s.marks.playStartedAt !== null).length,
        relayOff: speakers.filter((s) => s.marks.relayOffAt !== null).length,
        ...(m.full ? { marks: speakers.map((s) => s.marks) } : {}),
        cpuMs: Math.round((used.user + used.system) / 1000),
        loopDelay: { p50Ms: ms(loop.percentile(50)), p99Ms: ms(loop.percentile(99)), maxMs: ms(loop.max) },
      };
      process.send!({ type: 'report', report });
    } else if (m.type === 'close') {
      for (const s of speakers) await s.unit.stop();
      await Promise.all(speakers.map((s) => s.client.endAsync(true)));
      process.send!({ type: 'closed' }, () => process.exit(0));
    }
  });
  process.send!({ type: 'started' });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
