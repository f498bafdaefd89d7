import { join } from 'node:path';
import { mkdirSync, readFileSync } from 'node:fs';
import mqtt, { type MqttClient } from 'mqtt';
import type { FastifyInstance } from 'fastify';
import type { Registry } from '../devices/registry/index.ts';
import { systemClock, type Clock } from '../infra/clock.ts';
import type { Logger } from '../infra/logger.ts';
import { AnnouncementService } from './announcements.ts';
import { Area } from './area.ts';
import { AudioFiles } from './audio/files.ts';
import { AudioService } from './audio/service.ts';
import { FfmpegLoudness, type LoudnessNormalizer } from './audio/loudness.ts';
import { EspeakTts, type TextToSpeech } from './audio/tts.ts';
import type { ConsoleConfig } from './config.ts';
import { Feedback } from './feedback.ts';
import { buildServer } from './http/server.ts';
import { InfluxLogReader } from './influx-logs.ts';
import { loadOrCreateKey, type CommuneKey } from './keys.ts';
import { SchedulePublisher } from './schedule/publisher.ts';
import { PolicyService } from './policy.ts';
import { StopService } from './stops.ts';
import { RetainedGuard } from './schedule/retained-guard.ts';
import { ISSUER_CHANNELS, topicFor } from '../devices/topics.ts';
import { Store } from './store/index.ts';
import { RatingsSource } from './dossiers/ratings.ts';
import { smtpMailer } from './followup/mailer.ts';
import { FollowupService } from './followup/service.ts';
import { FollowupStore } from './followup/store.ts';
import { UserService } from './users.ts';
import { createProvisioning } from './provisioning/create.ts';
import { FleetVersions } from './updates/fleet.ts';
import { Rollouts } from './updates/rollout.ts';
import { releasePublicKey } from '../devices/release-signature.ts';
import { StationService } from './relay/stations.ts';
import { LiveService } from './live/sessions.ts';

export { parseConfig, loadConfig, ConsoleConfig, ConfigError } from './config.ts';
export { ConsoleError, ERRORS, type ErrorCode } from './errors.ts';

export type ConsoleDeps = {
  config: Readonly<ConsoleConfig>;
  registry: Registry;
  log: Logger;
  clock?: Clock;
  /** another text-to-speech engine (default: espeak-ng with the configured voice) */
  tts?: TextToSpeech;
  /** another loudness normalizer (default: two-pass ffmpeg loudnorm to config.audio.loudness) */
  loudness?: LoudnessNormalizer;
  /** scrypt cost for new user passwords (tests use a cheap one) */
  hashCost?: { N: number; r: number; p: number };
};

export type ConsoleStats = {
  publisher: SchedulePublisher['stats'];
  retained: RetainedGuard['stats'];
  feedback: Feedback['stats'];
  logins: UserService['stats'];
  influx: InfluxLogReader['stats'] | null;
};

export type RunningConsole = {
  url: string;
  port: number;
  app: FastifyInstance;
  store: Store;
  users: UserService;
  publisher: SchedulePublisher;
  feedback: Feedback;
  stops: StopService;
  policy: PolicyService;
  followup: FollowupService;
  keys: Map<string, CommuneKey>;
  stations: StationService;
  /** "Phát trực tiếp", when configured */
  live?: LiveService;
  mqtt: MqttClient;
  /** resolves once the broadcast-log / schedule-status subscription is granted */
  subscribed: Promise<void>;
  /** the counters also served at GET /api/stats */
  stats(): ConsoleStats;
  close(): Promise<void>;
};

/** Build every part of the console from a validated config; listen on HTTP; connect to the broker. */
export async function startConsole(deps: ConsoleDeps): Promise<RunningConsole> {
  const { config, registry } = deps;
  const clock = deps.clock ?? systemClock;
  const log = deps.log.child({ component: 'console' });
  mkdirSync(config.dataDir, { recursive: true });
  const store = Store.open(join(config.dataDir, 'console.sqlite'));
  const area = new Area(registry, config.communes);
  const keys = new Map(area.communes.map((c) => [c, loadOrCreateKey(config.dataDir, c)] as const));
  // the units above the communes served (province; district where the registry has one) sign their own documents
  for (const c of area.communes) {
    for (const u of [area.provinceOf(c), area.districtOf(c)])
      if (u && !keys.has(u.code)) keys.set(u.code, loadOrCreateKey(config.dataDir, u.code));
  }
  for (const k of keys.values())
    if (k.created)
      log.warn(
        { unit: k.commune, publicKey: k.publicKeyDer },
        'new signing key: put publicKey in the registry (broadcastKey of the commune, district or province) and the speakers',
      );

  const sessionMs = config.http.sessionHours * 3_600_000;
  const users = new UserService({ store, area, clock, sessionMs, hashCost: deps.hashCost });
  const audioFiles = new AudioFiles(join(config.dataDir, 'audio'));
  const tts = deps.tts ?? new EspeakTts({ bin: config.tts.bin, voice: config.tts.voice, speed: config.tts.speed });
  const loudness = deps.loudness ?? new FfmpegLoudness(config.audio.loudness);
  const audio = new AudioService({ store, files: audioFiles, tts, loudness, limits: config.audio, clock, log });

  const client = mqtt.connect(config.mqtt.url, {
    clientId: config.mqtt.username, // the broker requires client id = username
    username: config.mqtt.username,
    password: config.mqtt.password,
    protocolVersion: 4,
    clean: false, // speakers' logs are queued for us while the console restarts
    reconnectPeriod: 2000,
    ...(config.mqtt.ca ? { ca: readFileSync(config.mqtt.ca) } : {}),
  });
  client.on('error', (err) => log.warn({ err: err.message }, 'mqtt error'));

  const reissueAll = (communes: string[]) => {
    for (const c of communes) void publisher.reissue(c);
  };
  // a live session on air keeps to the policy in force: its quiet-hours end moves with it (live is made below)
  const policy = new PolicyService({
    store,
    area,
    clock,
    onChange: (communes) => (reissueAll(communes), live?.policyChanged(communes)),
  });
  /** documents that follow an area order (cancelled on close) */
  const deferred = new Set<{ cancel(): void }>();
  // the area stop order first (one message for every speaker of the unit), then each speaker's documents a little
  // later: thousands of documents must not compete with the one order for the console's, the broker's and the
  // speakers' CPU
  const stops = new StopService({
    store,
    area,
    clock,
    onChange: (communes, unit) => {
      void publisher.publishAreaStop(unit);
      if (config.schedule.areaLeadMs === 0) return reissueAll(communes);
      const t = clock.setTimeout(() => (deferred.delete(t), reissueAll(communes)), config.schedule.areaLeadMs);
      deferred.add(t);
    },
  });
  const publisher = new SchedulePublisher({
    store,
    area,
    mqtt: client,
    clock,
    log,
    keys,
    policy,
    config: { ...config.schedule, publishTimeoutMs: config.mqtt.publishTimeoutMs },
  });
  const guard = new RetainedGuard({
    store,
    clock,
    log,
    reassert: (c, t) => publisher.reassert(c, t),
    reassertAll: () => publisher.reassertAll(),
  });
  const feedback = new Feedback({
    store,
    area,
    clock,
    log,
    onNewerVersion: (c) => void publisher.reissue(c, { force: true }),
    onStatus: (speaker, p) => guard.statusReported(topicFor(speaker, ISSUER_CHANNELS[p.issuer ?? 'commune']), p),
    onAreaStatus: (topic, p) => guard.statusReported(topic, p),
  });
  const subscribed = feedback.subscribe(client);
  // the province key signs the approved relay stations (one console serves one province)
  const province = registry.communes.get(area.communes[0])?.province.code ?? '00';
  const stations = new StationService({
    store,
    clock,
    province,
    key: loadOrCreateKey(config.dataDir, `province-${province}`),
    onRevoked: (c) => void publisher.reissue(c),
  });
  const announcements = new AnnouncementService({
    store,
    area,
    audio,
    clock,
    stations,
    limits: { maxTextChars: config.tts.maxChars, maxWindowDays: config.schedule.maxWindowDays },
    onChange: (c) => void publisher.reissue(c),
    // one signed order for every speaker of the unit; the documents only when they carry the emergency themselves
    // (a relay or a live broadcast): rebuilding thousands of unchanged documents would compete with the order
    onAreaEmergency: (unit, communes, carried) => {
      void publisher.publishAreaEmergency(unit);
      if (!carried) reissueAll(communes);
    },
    policy,
  });
  const live = config.live
    ? new LiveService({
        store,
        area,
        audio,
        clock,
        config: { ...config.live, listenUrl: config.live.listenUrl ?? config.live.icecastUrl },
        onChange: (c) => void publisher.reissue(c),
        policy,
      })
    : undefined;
  const influxReader = config.influx
    ? new InfluxLogReader({ ...config.influx, area, feedback, clock, log })
    : undefined;

  const cases = new FollowupStore(store.db);
  const followup = new FollowupService({
    cases,
    store,
    area,
    clock,
    log: log.child({ component: 'followup' }),
    config: config.followup,
    ...(config.influx ? { ratings: new RatingsSource(config.influx) } : {}),
    ...(config.followup.smtp ? { mailer: smtpMailer(config.followup.smtp) } : {}),
  });

  const provisioning = config.provisioning
    ? createProvisioning({ config, store, area, clock, log, keys, hashCost: deps.hashCost })
    : undefined;
  const fleet = new FleetVersions(store.db, log.child({ component: 'updates' }));
  fleet.attach(client);
  const rollouts = new Rollouts({
    mqtt: client,
    clock,
    log: log.child({ component: 'rollout' }),
    publishTimeoutMs: config.mqtt.publishTimeoutMs,
    ...(config.updates ? { releaseKey: releasePublicKey(config.updates.releaseKey) } : {}),
    devicesOf: (c) => (area.serves(c) ? (registry.communes.get(c)?.commune.devices.map((d) => d.id) ?? []) : []),
  });
  const stats = (): ConsoleStats => ({
    publisher: publisher.stats,
    retained: guard.stats,
    feedback: feedback.stats,
    logins: users.stats,
    influx: influxReader?.stats ?? null,
  });
  const app = await buildServer({
    store,
    area,
    users,
    announcements,
    audio,
    audioFiles,
    log,
    clock,
    policy,
    stops,
    keys,
    stations,
    live,
    scheduleConfig: { validityS: config.schedule.validityS, emergencyValidityS: config.schedule.emergencyValidityS },
    config: { secureCookies: config.http.secureCookies, sessionMs, maxAudioBytes: config.audio.maxBytes },
    influx: config.influx,
    ...(provisioning ? { provisioning } : {}),
    updates: { fleet, rollouts },
    ...(config.http.tls
      ? { https: { cert: readFileSync(config.http.tls.cert), key: readFileSync(config.http.tls.key) } }
      : {}),
    followup: { cases, service: followup },
    stats,
  });
  await app.listen({ host: config.http.host, port: config.http.port, backlog: config.http.backlog });
  const port = (app.server.address() as { port: number }).port;
  publisher.start();
  influxReader?.start();
  followup.start();
  // on every connect (and so on start) the retained schedules are re-asserted; mismatches are repaired
  guard.watch(client);

  return {
    url: `${config.http.tls ? 'https' : 'http'}://${config.http.host}:${port}`,
    port,
    app,
    store,
    users,
    publisher,
    feedback,
    keys,
    stops,
    policy,
    stations,
    live,
    mqtt: client,
    subscribed,
    stats,
    followup,
    async close() {
      for (const t of deferred) t.cancel();
      influxReader?.stop();
      live?.close();
      await followup.stop();
      await app.close();
      await publisher.stop();
      await client.endAsync(true);
      store.close();
    },
  };
}
