import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type CollectorError, loadConfig, parseConfig } from '../../collector/index.ts';
import { tempDir } from '../harness/temp.ts';

const good = {
  broker: { url: 'mqtt://127.0.0.1:1883', username: 'collector', password: 'pw' },
  influx: { url: 'http://127.0.0.1:8086' },
  registryPath: '/etc/tt/registry.yaml',
  spoolDir: '/var/lib/tt/spool',
};

function codeOf(fn: () => unknown): { code?: string; problems?: string[] } {
  try {
    fn();
  } catch (err) {
    return err as CollectorError;
  }
  throw new Error('did not throw');
}

describe('collector config', () => {
  const dir = tempDir('tt-cfg-');

  it('fills defaults', () => {
    const c = parseConfig(good);
    expect(c.influx.database).toBe('thanthien');
    expect(c.influx.rawRetention).toBe('730d');
    expect(c.clientId).toBe('collector');
    expect(c.batch).toEqual({ maxPoints: 1000, maxDelayMs: 50 });
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('reports every problem of a garbage config with its path', () => {
    const e = codeOf(() =>
      parseConfig({
        broker: { url: 'http://x', username: '' },
        influx: { url: 'nope', rawRetention: 'forever' },
        spoolDir: 3,
        batch: { maxPoints: 0 },
        extra: true,
      }),
    );
    expect(e.code).toBe('COLLECTOR_CONFIG_INVALID');
    const paths = e.problems!.map((p) => p.split(':')[0]);
    for (const path of [
      'broker.url',
      'broker.username',
      'influx.url',
      'influx.rawRetention',
      'registryPath',
      'spoolDir',
      'batch.maxPoints',
    ]) {
      expect(paths, path).toContain(path);
    }
    expect(e.problems!.join('\n')).toContain('extra');
  });

  it('needs exactly one of password and passwordFile, and reads the file', () => {
    const both = codeOf(() => parseConfig({ ...good, broker: { ...good.broker, passwordFile: '/x' } }));
    expect(both.code).toBe('COLLECTOR_CONFIG_INVALID');
    expect(both.problems![0]).toMatch(/^broker\.password/);
    const file = join(dir, 'pw');
    writeFileSync(file, 's3cret\n');
    const c = parseConfig({ ...good, broker: { url: good.broker.url, username: 'c', passwordFile: file } });
    expect(c.broker.password).toBe('s3cret');
    const missing = codeOf(() =>
      parseConfig({ ...good, broker: { url: good.broker.url, username: 'c', passwordFile: join(dir, 'none') } }),
    );
    expect(missing.code).toBe('COLLECTOR_PASSWORD_FILE');
  });

  it('loads YAML and reports unreadable files by code', () => {
    const file = join(dir, 'c.yaml');
    writeFileSync(
      file,
      'broker: {url: "mqtt://h:1883", username: c, password: p}\ninflux: {url: "http://h:8086", database: xa}\nregistryPath: r.yaml\nspoolDir: s\n',
    );
    expect(loadConfig(file).influx.database).toBe('xa');
    expect(codeOf(() => loadConfig(join(dir, 'missing.yaml'))).code).toBe('COLLECTOR_CONFIG_UNREADABLE');
    writeFileSync(file, 'broker: [unclosed');
    expect(codeOf(() => loadConfig(file)).code).toBe('COLLECTOR_CONFIG_INVALID');
  });
});
