import type { AedesPublishPacket, AuthenticateError, Client, PublishPacket, Subscription } from 'aedes';
import type { Registry } from '../devices/registry/index.ts';
import type { Clock } from '../infra/clock.ts';
import type { Logger } from '../infra/logger.ts';
import { canPublish, canRead, canSubscribe, type Identity } from './acl.ts';
import type { Authenticator } from './auth.ts';
import type { BrokerConfig } from './config.ts';
import type { ConformancePrincipal } from './conformance.ts';
import { markLoggedIn } from './frame-guard.ts';
import type { LoginThrottle } from './login-throttle.ts';
import type { RefusalReason } from './refusals.ts';
import { TokenBucket } from './rate-limit.ts';
import type { RefusalLog } from './stats.ts';

/**
 * Refusal policy for PUBLISH: acknowledge, drop and count.
 *
 * Failing aedes' authorizePublish callback closes the connection with no answer ([MQTT-3.3.5-2]);
 * mqtt.js keeps the unacknowledged QoS 1 message and resends it after every reconnect, so one
 * bad message would lock a device in a reconnect loop and block its good messages behind it.
 * So a refused publish is authorized *after* being rewritten to DROP_TOPIC with an
 * empty payload and no retain flag: aedes sends the PUBACK/PUBREC as usual, stores nothing
 * (no retained, no offline queue: nobody may subscribe to DROP_TOPIC, and '#'/'+' never match a
 * '$' topic [MQTT-4.7.2-1]) and delivers to nobody. The refusal is counted and logged.
 * Only wills are refused outright: there is no connection left to keep.
 */
export const DROP_TOPIC = '$tt/dropped';

/** CONNACK return codes of MQTT 3.1.1 (§3.2.2.3) */
const CONNACK = { identifierRejected: 2, serverUnavailable: 3, badUserNameOrPassword: 4, notAuthorized: 5 } as const;

const AUTH_CODES: Partial<Record<RefusalReason, number>> = {
  'auth-client-id-mismatch': CONNACK.identifierRejected,
  'auth-unknown-client': CONNACK.badUserNameOrPassword,
  'auth-bad-password': CONNACK.badUserNameOrPassword,
  'auth-missing-credentials': CONNACK.badUserNameOrPassword,
  'auth-busy': CONNACK.serverUnavailable,
  'auth-throttled': CONNACK.badUserNameOrPassword,
  'auth-empty-client-id': CONNACK.identifierRejected,
  'connect-keepalive': CONNACK.notAuthorized, // 3.1.1 has no keepalive code (§3.2.2.3): "not authorized" to connect so
};

export type HookDeps = {
  config: BrokerConfig;
  registry: Registry;
  clock: Clock;
  log: Logger;
  auth: Authenticator;
  refusals: RefusalLog;
  throttle: LoginThrottle;
  conformance?: ConformancePrincipal;
  /** the device's address (behind a balancer: the one its PROXY header named) */
  addressOf: (conn: unknown) => string;
};

type ConnectFacts = { keepalive: number; emptyIdKept: boolean };

export function createHooks(deps: HookDeps) {
  const { config, registry, clock, log, auth, refusals, throttle, conformance, addressOf } = deps;
  const identities = new WeakMap<Client, Identity>();
  /** clients logged in as the conformance principal (outside the registry's identities and ACLs) */
  const conformers = new WeakSet<Client>();
  const connects = new WeakMap<Client, ConnectFacts>();
  const buckets = new Map<Client, TokenBucket>();

  const drop = (client: Client, packet: PublishPacket, reason: RefusalReason, detail?: string) => {
    refusals.refuse(reason, { clientId: client.id, topic: packet.topic.slice(0, 200), detail });
    packet.topic = DROP_TOPIC;
    packet.retain = false;
    packet.payload = Buffer.alloc(0);
  };

  const bucketOf = (client: Client) => {
    let bucket = buckets.get(client);
    if (!bucket) buckets.set(client, (bucket = new TokenBucket(config.rate, clock)));
    return bucket;
  };

  return {
    /**
     * The protocol name and level were checked by the frame guard (MQTT 3.1.1 only). An empty client id
     * with a clean session is given the user name as its id ([MQTT-3.1.3-6] lets the server assign one),
     * so the "user name = client id" rule holds; without a clean session it is refused with CONNACK 2
     * ([MQTT-3.1.3-8]), in authenticate below (preConnect cannot answer a CONNACK).
     */
    preConnect(
      client: Client,
      packet: { clientId?: string; clean?: boolean; username?: string; keepalive?: number },
      done: (err: Error | null, ok: boolean) => void,
    ) {
      const emptyIdKept = packet.clientId === '' && !packet.clean;
      if (packet.clientId === '' && packet.clean && packet.username) packet.clientId = packet.username;
      connects.set(client, { keepalive: packet.keepalive ?? 0, emptyIdKept });
      done(null, true);
    },

    authenticate(
      client: Client,
      username: string | undefined,
      password: Buffer | undefined,
      done: (err: AuthenticateError | null, ok: boolean | null) => void,
    ) {
      const facts = connects.get(client);
      connects.delete(client);
      const address = addressOf(client.conn);
      const refuse = (reason: RefusalReason, detail?: string) => {
        refusals.refuse(reason, { clientId: client.id, detail });
        done(authError(reason, AUTH_CODES[reason] ?? CONNACK.badUserNameOrPassword), false);
      };
      const accept = () => {
        markLoggedIn(client.conn);
        done(null, true);
      };
      if (facts?.emptyIdKept) return refuse('auth-empty-client-id', 'empty client id without a clean session');

      const admitIdentity = (identity: Identity) => {
        const keepalive = facts?.keepalive ?? 0;
        const range = config.limits.deviceKeepaliveS;
        if (identity.type === 'device' && (keepalive < range.min || keepalive > range.max)) {
          return refuse('connect-keepalive', `keepalive ${keepalive} s outside ${range.min}…${range.max} s`);
        }
        identities.set(client, identity);
        accept();
      };

      const checkRegistry = (settle: (right: boolean | 'error') => void, askedShared: boolean) =>
        auth.check(client.id, username, password, askedShared).then(
          (result) => {
            settle(result.ok);
            if (!result.ok)
              return refuse(
                result.reason,
                username === client.id ? undefined : `username ${JSON.stringify(String(username).slice(0, 64))}`,
              );
            admitIdentity(result.identity);
          },
          (err: Error) => {
            settle('error');
            log.error({ err, clientId: client.id }, 'authentication failed unexpectedly');
            done(authError('auth-error', CONNACK.serverUnavailable), false);
          },
        );

      const checkConformance = (settle: (right: boolean | 'error') => void) =>
        conformance!.check(client.id, password).then((verdict) => {
          settle(verdict === 'ok');
          if (verdict === 'registry-id')
            return refuse('auth-client-id-mismatch', 'conformance principal with a registry id');
          if (verdict === 'bad-password') return refuse('auth-bad-password', 'conformance principal');
          conformers.add(client);
          accept();
        });

      const throttled = (askedShared: boolean) =>
        throttle.admit(address, client.id, password).then((admission) => {
          if (admission === 'refuse') {
            refusals.refuse('auth-throttled', { clientId: client.id, detail: `address ${address}` });
            return throttle.delay(() => done(authError('auth-throttled', CONNACK.badUserNameOrPassword), false));
          }
          // an unexpected error frees the verification slot without counting as a wrong password
          const settle = (right: boolean | 'error') => {
            if (admission === 'verify')
              throttle.settle(address, client.id, right === 'error' ? undefined : password, right !== false);
          };
          return conformance?.claims(username) ? checkConformance(settle) : checkRegistry(settle, askedShared);
        });

      if (conformance?.claims(username)) return void throttled(false);
      // a login some node verified before (the shared cache) needs no verification slot; anything else is throttled
      void auth.recall(client.id, username, password).then(
        (recalled) => {
          if (!recalled.identity) return throttled(recalled.askedShared);
          throttle.knownGood(client.id, password!);
          admitIdentity(recalled.identity);
        },
        () => throttled(false),
      );
    },

    authorizePublish(client: Client | null, packet: PublishPacket, done: (err?: Error | null) => void) {
      if (client && conformers.has(client)) {
        if (conformance?.mayPublish(packet.topic)) return done(null);
        if (packet === (client as { will?: unknown }).will) return done(new Error('publish-foreign-topic'));
        drop(client, packet, 'publish-foreign-topic', 'conformance principal');
        return done(null);
      }
      const who = client ? identities.get(client) : willOwner(registry, packet);
      if (!client || !who || packet === (client as { will?: unknown }).will) {
        // a will: check the topic, refuse outright (no PUBACK to give, no connection to keep)
        const verdict = who
          ? canPublish(who, packet.topic, !!packet.retain, registry)
          : ({ ok: false, reason: 'publish-foreign-topic' } as const);
        if (verdict.ok) return done(null);
        refusals.refuse(verdict.reason, { clientId: client?.id ?? null, topic: packet.topic, detail: 'will' });
        return done(new Error(verdict.reason));
      }
      const size = packet.payload?.length ?? 0;
      if (size > config.maxPayloadBytes) {
        drop(client, packet, 'publish-too-large', `${size} bytes > ${config.maxPayloadBytes}`);
        return done(null);
      }
      const verdict = canPublish(who, packet.topic, !!packet.retain, registry);
      if (!verdict.ok) {
        drop(client, packet, verdict.reason);
        return done(null);
      }
      if (who.type === 'service') return done(null); // services are trusted and batch (collector acks)
      const admission = bucketOf(client).admit(() => done(null));
      if (admission.kind === 'later') refusals.throttled++;
      if (admission.kind === 'drop') {
        drop(client, packet, 'publish-rate-dropped', `more than ${config.rate.maxQueued} messages waiting`);
        done(null);
      }
    },

    authorizeSubscribe(
      client: Client,
      sub: Subscription,
      done: (err: Error | null, sub?: Subscription | null) => void,
    ) {
      if (conformers.has(client)) {
        if (conformance?.maySubscribe(sub.topic)) return done(null, sub);
        refusals.refuse('subscribe-not-allowed', {
          clientId: client.id,
          topic: sub.topic.slice(0, 200),
          detail: 'conformance principal',
        });
        return done(null, null);
      }
      const who = identities.get(client);
      const verdict = who
        ? canSubscribe(who, sub.topic, registry)
        : ({ ok: false, reason: 'subscribe-not-allowed' } as const);
      if (verdict.ok) return done(null, sub);
      refusals.refuse(verdict.reason, { clientId: client.id, topic: sub.topic.slice(0, 200) });
      done(null, null); // SUBACK 0x80 for this topic only; the other topics of the SUBSCRIBE are granted
    },

    authorizeForward(client: Client, packet: AedesPublishPacket): AedesPublishPacket | null {
      if (conformers.has(client)) return conformance?.mayRead(packet.topic) ? packet : null;
      const who = identities.get(client);
      return who && canRead(who, packet.topic, registry) ? packet : null;
    },

    /** the client is gone: drop its delayed messages (mqtt.js resends unacknowledged QoS 1 on reconnect) */
    forget(client: Client) {
      buckets.get(client)?.cancel();
      buckets.delete(client);
    },

    close() {
      for (const bucket of buckets.values()) bucket.cancel();
      buckets.clear();
    },
  };
}

function authError(message: string, returnCode: number): AuthenticateError {
  return Object.assign(new Error(message), { returnCode }) as AuthenticateError;
}

/** A will published by aedes after its client object is gone: rights follow the will's owner. */
function willOwner(registry: Registry, packet: PublishPacket): Identity | undefined {
  const id = (packet as { clientId?: string }).clientId;
  const entry = id ? registry.device(id) : undefined;
  return entry
    ? { type: 'device', id: entry.device.id, kind: entry.device.kind, commune: entry.commune.code }
    : undefined;
}
