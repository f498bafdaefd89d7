import type { Registry } from '../devices/registry/index.ts';

/**
 * The registry the broker consults, replaceable while it runs (a device registered, retired or given a new
 * password without restarting the node: a restart drops every device of the province at once).
 *
 * Everything in the broker that reads the registry (authentication, topic rights, wills, the conformance
 * principal) holds this view, so a replacement applies to the next CONNECT and the next packet. Cached
 * password verdicts are keyed by the stored hash (auth.ts, shared-auth-cache.ts): a changed password never
 * matches an old verdict. A client already connected keeps the identity it logged in with, so a client whose
 * entry is gone or changed (password, kind, commune, role, communes) is disconnected by the caller and has to
 * log in again under the new registry.
 */
export type LiveRegistry = {
  /** reads the current registry on every access */
  readonly view: Registry;
  current(): Registry;
  replace(next: Registry): RegistryDiff;
};

export type RegistryDiff = { added: string[]; removed: string[]; changed: string[] };

export function liveRegistry(initial: Registry): LiveRegistry {
  let current = initial;
  // the target is a blank Registry-shaped object, not the frozen registry (a proxy of a frozen object must
  // answer its own values); methods run on the current registry
  const view = new Proxy(Object.create(Object.getPrototypeOf(initial)) as Registry, {
    get(_target, key) {
      const value = Reflect.get(current, key, current) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(current) : value;
    },
    has: (_target, key) => Reflect.has(current, key),
  });
  return {
    view,
    current: () => current,
    replace(next) {
      const diff = diffRegistries(current, next);
      current = next;
      return diff;
    },
  };
}

/** the login fingerprint of an id: what its authentication and rights depend on (undefined = not registered) */
function fingerprint(registry: Registry, id: string): string | undefined {
  const entry = registry.device(id);
  if (entry) return JSON.stringify(['device', entry.device.passwordHash, entry.device.kind, entry.commune.code]);
  const service = registry.services.get(id);
  if (service) return JSON.stringify(['service', service.passwordHash, service.role, service.communes ?? null]);
  return undefined;
}

const ids = (r: Registry) => new Set([...r.devices.keys(), ...r.services.keys()]);

export function diffRegistries(before: Registry, after: Registry): RegistryDiff {
  const was = ids(before);
  const now = ids(after);
  const diff: RegistryDiff = { added: [], removed: [], changed: [] };
  for (const id of now) if (!was.has(id)) diff.added.push(id);
  for (const id of was) {
    if (!now.has(id)) diff.removed.push(id);
    else if (fingerprint(before, id) !== fingerprint(after, id)) diff.changed.push(id);
  }
  return diff;
}
