import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, loadConfig, parseConfig, type ConfigFailure } from '../../infra/config.ts';
import { tempDir } from '../harness/temp.ts';

const Schema = z.strictObject({ port: z.number().int().default(1883), registryPath: z.string().min(1) });
const OPTS = { what: 'cấu hình thử' };

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

describe('loadConfig', () => {
  const dir = tempDir('tt-infra-config-');

  it('reads YAML and JSON, fills defaults, and freezes the result', () => {
    writeFileSync(join(dir, 'a.yaml'), 'registryPath: r.yaml\n');
    writeFileSync(join(dir, 'a.json'), JSON.stringify({ registryPath: 'r.yaml', port: 1 }));
    const a = loadConfig(Schema, join(dir, 'a.yaml'), OPTS);
    expect(a).toEqual({ port: 1883, registryPath: 'r.yaml' });
    expect(Object.isFrozen(a)).toBe(true);
    expect(loadConfig(Schema, join(dir, 'a.json'), OPTS).port).toBe(1);
  });

  it('lists every problem at once, with its path, in one coded error', () => {
    writeFileSync(join(dir, 'bad.yaml'), 'port: abc\ncolour: blue\n');
    const err = thrown(() => loadConfig(Schema, join(dir, 'bad.yaml'), OPTS)) as ConfigError;
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.problems.map((p) => p.split(':')[0]).sort()).toEqual(['(gốc)', 'port', 'registryPath']);
    expect(err.message).toContain(join(dir, 'bad.yaml'));
    expect(err.message).toContain('registryPath');
  });

  it('says a missing file is unreadable and broken YAML is invalid', () => {
    const missing = thrown(() => loadConfig(Schema, join(dir, 'none.yaml'), OPTS)) as ConfigError;
    expect(missing.code).toBe('CONFIG_UNREADABLE');
    expect(missing.problems[0]).toMatch(/ENOENT/);
    writeFileSync(join(dir, 'broken.yaml'), 'port: [1883\n  : :');
    const broken = thrown(() => loadConfig(Schema, join(dir, 'broken.yaml'), OPTS)) as ConfigError;
    expect(broken.code).toBe('CONFIG_INVALID');
    expect(broken.problems[0]).toMatch(/^\(gốc\): không đọc được YAML\/JSON/);
  });

  it("throws the service's own error when it gives one", () => {
    class ServiceError extends Error {
      constructor(readonly failure: ConfigFailure) {
        super(failure.headline);
      }
    }
    const err = thrown(() =>
      parseConfig(Schema, { port: 'x' }, 'thử', { what: 'cấu hình thử', error: (f) => new ServiceError(f) }),
    );
    expect(err).toBeInstanceOf(ServiceError);
    expect((err as ServiceError).failure).toMatchObject({
      kind: 'invalid',
      headline: 'cấu hình thử không hợp lệ (thử)',
    });
    expect((err as ServiceError).failure.problems).toHaveLength(2);
  });
});
