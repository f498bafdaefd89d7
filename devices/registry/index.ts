import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import {
  RegistryFile,
  type Camera,
  type Commune,
  type Counter,
  type Device,
  type District,
  type Hamlet,
  type Province,
  type Service,
} from './schema.ts';
import { formatIssues } from '../../infra/zod-issues.ts';

export * from './schema.ts';

/** Where a device sits; also the InfluxDB tags every stored point of the device carries. */
export type Placement = {
  province: Province;
  district?: District;
  commune: Commune;
  counter?: Counter;
  hamlet?: Hamlet;
};

export type DeviceEntry = Placement & { device: Device };

export type AreaTags = { province: string; district?: string; commune: string };
export type DeviceTags = AreaTags & { device: string; kind: string; counter?: string; hamlet?: string };

export class RegistryError extends Error {
  readonly code = 'REGISTRY_INVALID';
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`sổ đăng ký thiết bị không hợp lệ (${source}):\n  - ${problems.join('\n  - ')}`);
  }
}

/** An immutable, indexed registry. Build it with `loadRegistry` / `parseRegistry`. */
export class Registry {
  readonly devices = new Map<string, DeviceEntry>();
  readonly services = new Map<string, Service>();
  readonly communes = new Map<string, Placement>();
  readonly cameras = new Map<string, Placement & { camera: Camera; counter: Counter }>();

  constructor(readonly file: RegistryFile) {
    for (const province of file.provinces) {
      for (const commune of province.communes) this.#addCommune({ province, commune });
      for (const district of province.districts) {
        for (const commune of district.communes) this.#addCommune({ province, district, commune });
      }
    }
    for (const service of file.services) this.services.set(service.id, service);
    Object.freeze(this);
  }

  #addCommune(area: Placement) {
    this.communes.set(area.commune.code, area);
    const { commune } = area;
    for (const counter of commune.counters) {
      for (const camera of counter.cameras) this.cameras.set(camera.id, { ...area, counter, camera });
    }
    for (const device of commune.devices) {
      const counter = device.kind === 'rating-box' ? commune.counters.find((c) => c.id === device.counter) : undefined;
      const hamlet = device.kind === 'speaker' ? commune.hamlets.find((h) => h.id === device.hamlet) : undefined;
      this.devices.set(device.id, { ...area, device, counter, hamlet });
    }
  }

  device(id: string): DeviceEntry | undefined {
    return this.devices.get(id);
  }

  deviceTags(entry: DeviceEntry): DeviceTags {
    return {
      ...areaTags(entry),
      device: entry.device.id,
      kind: entry.device.kind,
      ...(entry.counter ? { counter: entry.counter.id } : {}),
      ...(entry.hamlet ? { hamlet: entry.hamlet.id } : {}),
    };
  }

  allCommunes(): Placement[] {
    return [...this.communes.values()];
  }
}

export function areaTags(p: Placement): AreaTags {
  return { province: p.province.code, ...(p.district ? { district: p.district.code } : {}), commune: p.commune.code };
}

/** Rules a schema cannot express: uniqueness and references. Each problem names its path. */
function crossCheck(file: RegistryFile): string[] {
  const problems: string[] = [];
  const clientIds = new Map<string, string>();
  const communeCodes = new Map<string, string>();
  const cameraIds = new Map<string, string>();
  const claim = (seen: Map<string, string>, key: string, path: string, what: string) => {
    const first = seen.get(key);
    if (first) problems.push(`${path}: ${what} "${key}" trùng với ${first} (duplicate)`);
    else seen.set(key, path);
  };
  const checkCommune = (c: Commune, path: string) => {
    claim(communeCodes, c.code, `${path}.code`, 'mã xã');
    const hamlets = new Set<string>();
    c.hamlets.forEach((h, i) => {
      if (hamlets.has(h.id)) problems.push(`${path}.hamlets.${i}.id: thôn/ấp "${h.id}" trùng (duplicate)`);
      hamlets.add(h.id);
    });
    const counters = new Set(c.counters.map((k) => k.id));
    c.counters.forEach((k, i) =>
      k.cameras.forEach((cam, j) => claim(cameraIds, cam.id, `${path}.counters.${i}.cameras.${j}.id`, 'camera')),
    );
    c.devices.forEach((d, i) => {
      claim(clientIds, d.id, `${path}.devices.${i}.id`, 'mã thiết bị');
      if (d.kind === 'rating-box' && !counters.has(d.counter)) {
        problems.push(
          `${path}.devices.${i}.counter: quầy "${d.counter}" không có trong xã ${c.code} (unknown counter)`,
        );
      }
      if (d.kind === 'speaker' && !hamlets.has(d.hamlet)) {
        problems.push(
          `${path}.devices.${i}.hamlet: thôn/ấp "${d.hamlet}" không có trong xã ${c.code} (unknown hamlet)`,
        );
      }
    });
  };
  file.provinces.forEach((p, i) => {
    p.communes.forEach((c, j) => checkCommune(c, `provinces.${i}.communes.${j}`));
    p.districts.forEach((d, j) =>
      d.communes.forEach((c, k) => checkCommune(c, `provinces.${i}.districts.${j}.communes.${k}`)),
    );
  });
  file.services.forEach((s, i) => claim(clientIds, s.id, `services.${i}.id`, 'mã dịch vụ'));
  return problems;
}

/** Parse registry text (YAML or JSON). Throws RegistryError listing every problem with its path. */
export function parseRegistry(text: string, source = 'registry'): Registry {
  let raw: unknown;
  try {
    raw = parseJsonOrYaml(text);
  } catch (err) {
    throw new RegistryError(source, [`không đọc được YAML/JSON: ${(err as Error).message}`]);
  }
  const result = RegistryFile.safeParse(raw);
  if (!result.success) throw new RegistryError(source, formatIssues(result.error.issues));
  const problems = crossCheck(result.data);
  if (problems.length) throw new RegistryError(source, problems);
  return new Registry(result.data);
}

/**
 * YAML 1.2 is a superset of JSON, but the YAML parser is slow and wasteful on a large file (a province's 10,000
 * devices: seconds of CPU and hundreds of MB of garbage before a restarted broker can listen), so a registry kept
 * as JSON is read as JSON; anything else (or a YAML flow mapping that is not strict JSON) goes to the YAML parser.
 * So does JSON with a key repeated in one object: JSON.parse keeps the last one silently, where the YAML parser
 * refuses it with its line (a hand-edited registry must not lose a device's first `secretHash` unseen).
 */
export function parseJsonOrYaml(text: string): unknown {
  if (text.trimStart().startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (!repeatsAKey(text, parsed)) return parsed;
    } catch {
      // not strict JSON: YAML decides (and reports the error with its position)
    }
  }
  return parseYaml(text);
}

/** does valid JSON `text` (parsed as `parsed`) write a key twice in one object? */
export const repeatsAKey = (text: string, parsed: unknown): boolean => keysInText(text) !== keysIn(parsed);

/**
 * The keys written in valid JSON text: string tokens followed by a colon. Strings are matched one after the other
 * from the start, and outside strings JSON has no quote, so no match starts inside a string. (8.6 MB, a province
 * of 10,000 devices: the check takes about 30 ms, about as long as JSON.parse itself.)
 */
function keysInText(text: string): number {
  const token = /"[^"\\]*(?:\\.[^"\\]*)*"\s*:?/g;
  let keys = 0;
  for (let m = token.exec(text); m; m = token.exec(text)) if (m[0].endsWith(':')) keys++;
  return keys;
}

/** the keys of every object in a parsed value (a repeated key in the text counts once here) */
function keysIn(value: unknown): number {
  if (value === null || typeof value !== 'object') return 0;
  let keys = 0;
  if (Array.isArray(value)) for (const v of value) keys += keysIn(v);
  else for (const k in value) keys += 1 + keysIn((value as Record<string, unknown>)[k]); // JSON.parse: own keys only
  return keys;
}

export function loadRegistry(path: string): Registry {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new RegistryError(path, [
      `không mở được tệp: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    ]);
  }
  return parseRegistry(text, path);
}
