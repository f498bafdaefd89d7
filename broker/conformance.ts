import { createHash } from 'node:crypto';
import { verifyPassword } from '../devices/credentials.ts';
import type { Registry } from '../devices/registry/index.ts';
import type { BrokerConfig } from './config.ts';

/**
 * The conformance principal (config `conformance`, absent by default): lets a protocol test suite check
 * the broker's own MQTT behaviour (retained, wills, QoS 2, wildcards, overlapping subscriptions, ACL
 * refusals) with authentication and ACLs on. It lives in its own topic namespace: it can neither read
 * nor write a device topic, and no device or service can read or write its topics (their ACLs only know
 * tt/v1/…). It may not take a registry id as its client id (that would take over a device's session).
 */
export type ConformanceConfig = NonNullable<BrokerConfig['conformance']>;

export class ConformancePrincipal {
  #verified = new Map<string, Promise<boolean>>();
  constructor(
    readonly config: ConformanceConfig,
    readonly registry: Registry,
  ) {}

  /** is this login aimed at the conformance principal? */
  claims(username: string | undefined): boolean {
    return username === this.config.username;
  }

  async check(clientId: string, password: Buffer | undefined): Promise<'ok' | 'bad-password' | 'registry-id'> {
    if (this.registry.device(clientId) || this.registry.services.get(clientId)) return 'registry-id';
    if (!password) return 'bad-password';
    const key = createHash('sha256').update(password).digest('base64');
    let pending = this.#verified.get(key);
    if (!pending) {
      pending = verifyPassword(password.toString('utf8'), this.config.passwordHash).catch(() => false);
      if (this.#verified.size < 16) this.#verified.set(key, pending); // test suites reconnect often with one password
    }
    return (await pending) ? 'ok' : 'bad-password';
  }

  mayPublish(topic: string): boolean {
    return topic.startsWith(this.config.namespace);
  }

  maySubscribe(filter: string): boolean {
    return filter.startsWith(this.config.namespace) && !this.config.refused.includes(filter);
  }

  mayRead(topic: string): boolean {
    return topic.startsWith(this.config.namespace);
  }
}
