import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';

const run = promisify(execFile);

/** Where a server keeps its state (deploy/install-server.sh layout by default). */
export type StatePaths = {
  /** the console's dataDir: console.sqlite, keys/ (commune signing keys), audio/ */
  consoleData: string;
  /** the registry the broker, collector and console read (the console adds claimed devices to it) */
  registry: string;
  /** the collector's spool: batches not yet in InfluxDB */
  spool: string;
  /** configuration and TLS material; optional (a restore onto another machine may keep its own) */
  etc?: string;
  influx: { rpc: string; url: string; database: string; bin?: string };
};

export const DEFAULT_PATHS: StatePaths = {
  consoleData: '/var/lib/thanthien/console',
  registry: '/var/lib/thanthien/registry/registry.yaml',
  spool: '/var/lib/thanthien/collector/spool',
  etc: '/etc/thanthien',
  influx: { rpc: '127.0.0.1:8088', url: 'http://127.0.0.1:8086', database: 'thanthien' },
};

/**
 * One archive of everything that is state: the console database (SQLite online backup: consistent while the
 * console runs), the commune signing keys and audio, the registry, the collector's spool, /etc/thanthien, and
 * InfluxDB through its own tool (`influxd backup -portable`). Restore puts each part back; run it with the
 * services stopped (InfluxDB running).
 */
export async function backup(paths: StatePaths, archive: string, now = new Date()): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'tt-backup-'));
  try {
    const out = join(work, 'thanthien-backup');
    mkdirSync(join(out, 'console'), { recursive: true });
    const db = new Database(join(paths.consoleData, 'console.sqlite'), { readonly: true, fileMustExist: true });
    try {
      await db.backup(join(out, 'console/console.sqlite'));
    } finally {
      db.close();
    }
    for (const sub of ['keys', 'audio'])
      if (existsSync(join(paths.consoleData, sub)))
        cpSync(join(paths.consoleData, sub), join(out, 'console', sub), { recursive: true });
    mkdirSync(join(out, 'registry'));
    cpSync(paths.registry, join(out, 'registry/registry.yaml'));
    if (existsSync(paths.spool)) cpSync(paths.spool, join(out, 'spool'), { recursive: true });
    if (paths.etc && existsSync(paths.etc)) cpSync(paths.etc, join(out, 'etc'), { recursive: true });
    await run(paths.influx.bin ?? '/usr/bin/influxd', [
      'backup',
      '-portable',
      '-host',
      paths.influx.rpc,
      '-db',
      paths.influx.database,
      join(out, 'influx'),
    ]);
    writeFileSync(
      join(out, 'MANIFEST.json'),
      JSON.stringify(
        {
          v: 1,
          createdAt: now.toISOString(),
          database: paths.influx.database,
          parts: ['console', 'registry', 'spool', 'etc', 'influx'],
        },
        null,
        2,
      ),
    );
    mkdirSync(dirname(archive), { recursive: true });
    await run('tar', ['-czf', archive, '-C', work, 'thanthien-backup']);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export async function restore(paths: StatePaths, archive: string): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'tt-restore-'));
  try {
    await run('tar', ['-xzf', archive, '-C', work]);
    const src = join(work, 'thanthien-backup');
    const manifest = JSON.parse(readFileSync(join(src, 'MANIFEST.json'), 'utf8')) as { v: number; database: string };
    if (manifest.v !== 1) throw new Error(`unknown backup format ${manifest.v}`);
    mkdirSync(paths.consoleData, { recursive: true });
    for (const f of ['console.sqlite', 'console.sqlite-wal', 'console.sqlite-shm'])
      rmSync(join(paths.consoleData, f), { force: true });
    cpSync(join(src, 'console'), paths.consoleData, { recursive: true });
    mkdirSync(dirname(paths.registry), { recursive: true });
    cpSync(join(src, 'registry/registry.yaml'), paths.registry);
    if (existsSync(join(src, 'spool'))) cpSync(join(src, 'spool'), paths.spool, { recursive: true });
    if (paths.etc && existsSync(join(src, 'etc'))) cpSync(join(src, 'etc'), paths.etc, { recursive: true });
    // InfluxDB refuses to restore over an existing database: a fresh server's collector may have created it empty
    await fetch(`${paths.influx.url}/query`, {
      method: 'POST',
      body: new URLSearchParams({ q: `DROP DATABASE "${paths.influx.database.replace(/"/g, '')}"` }),
    });
    await run(paths.influx.bin ?? '/usr/bin/influxd', [
      'restore',
      '-portable',
      '-host',
      paths.influx.rpc,
      '-db',
      manifest.database,
      '-newdb',
      paths.influx.database,
      join(src, 'influx'),
    ]);
    await restoredShardsOpen(paths.influx.url, paths.influx.database);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** influxd opens the restored shards after the restore returns ("engine is closed" until then): wait for them */
async function restoredShardsOpen(url: string, database: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await fetch(
      `${url}/query?${new URLSearchParams({ db: database, q: 'SELECT count(*) FROM /.*/' })}`,
    ).catch(() => undefined);
    const body = res ? await res.text() : 'unreachable';
    if (res?.ok && !body.includes('"error"')) return;
    if (Date.now() > deadline) throw new Error(`restored database ${database} not readable: ${body.slice(0, 200)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
