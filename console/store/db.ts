import Database from 'better-sqlite3';

export type Db = Database.Database;

/**
 * Migrations run in order inside one transaction each; PRAGMA user_version records the last one applied.
 * Only ever append: a migration that shipped is never edited.
 */
export const MIGRATIONS: string[] = [
  `CREATE TABLE users (
     id INTEGER PRIMARY KEY,
     username TEXT NOT NULL UNIQUE,
     password_hash TEXT NOT NULL,
     role TEXT NOT NULL CHECK (role IN ('staff', 'leader', 'district', 'admin')),
     communes TEXT NOT NULL DEFAULT '[]',
     display_name TEXT,
     disabled INTEGER NOT NULL DEFAULT 0,
     created_at TEXT NOT NULL
   );
   CREATE TABLE sessions (
     token_hash TEXT PRIMARY KEY,
     user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
     created_at INTEGER NOT NULL,
     expires_at INTEGER NOT NULL
   );
   CREATE TABLE audio (
     sha256 TEXT PRIMARY KEY,
     mime TEXT NOT NULL,
     bytes INTEGER NOT NULL,
     duration_s REAL NOT NULL,
     source TEXT NOT NULL,
     created_at TEXT NOT NULL
   );
   CREATE TABLE announcements (
     id TEXT PRIMARY KEY,
     commune TEXT NOT NULL,
     title TEXT NOT NULL,
     text TEXT,
     audio_sha TEXT NOT NULL REFERENCES audio(sha256),
     hamlets TEXT NOT NULL,
     schedule TEXT NOT NULL,
     repeats INTEGER NOT NULL,
     volume INTEGER NOT NULL,
     priority TEXT NOT NULL CHECK (priority IN ('normal', 'priority', 'emergency')),
     status TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'approved', 'rejected', 'stopped')),
     reject_reason TEXT,
     created_by TEXT NOT NULL,
     created_at TEXT NOT NULL,
     updated_at TEXT NOT NULL,
     approved_by TEXT,
     approved_at TEXT,
     revision INTEGER NOT NULL DEFAULT 1
   );
   CREATE INDEX announcements_commune ON announcements(commune, status);
   CREATE TABLE audit (
     id INTEGER PRIMARY KEY,
     at TEXT NOT NULL,
     username TEXT NOT NULL,
     commune TEXT,
     action TEXT NOT NULL,
     target TEXT,
     before TEXT,
     after TEXT
   );
   CREATE INDEX audit_commune ON audit(commune, id);
   CREATE TABLE speakers (
     speaker TEXT PRIMARY KEY,
     version INTEGER NOT NULL DEFAULT 0,
     items_hash TEXT,
     published_at TEXT,
     publish_pending INTEGER NOT NULL DEFAULT 0,
     status TEXT,
     status_active INTEGER,
     status_reason TEXT,
     status_at TEXT
   );
   CREATE TABLE deliveries (
     id TEXT PRIMARY KEY,
     announcement TEXT NOT NULL,
     speaker TEXT NOT NULL,
     hamlet TEXT,
     occurrence TEXT NOT NULL,
     outcome TEXT NOT NULL,
     reason TEXT,
     started_at TEXT,
     ended_at TEXT,
     received_at TEXT NOT NULL
   );
   CREATE INDEX deliveries_announcement ON deliveries(announcement, hamlet, occurrence);`,
  // login throttling (per account, address, account+address pair, known device) and known devices
  `CREATE TABLE login_attempts (
     key TEXT PRIMARY KEY,
     failures INTEGER NOT NULL,
     last_at INTEGER NOT NULL
   );
   CREATE TABLE known_devices (
     token_hash TEXT PRIMARY KEY,
     user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
     created_at INTEGER NOT NULL,
     last_used_at INTEGER NOT NULL
   );
   CREATE TABLE signed_documents (
     topic TEXT PRIMARY KEY,
     payload BLOB NOT NULL,
     commune TEXT NOT NULL,
     version INTEGER NOT NULL,
     updated_at TEXT NOT NULL
   );
   CREATE TABLE audio_owners (
     sha256 TEXT NOT NULL REFERENCES audio(sha256),
     commune TEXT NOT NULL,
     PRIMARY KEY (sha256, commune)
   );
   ALTER TABLE announcements ADD COLUMN revision_of TEXT;`,
  // roles follow the registry's levels: staff/leader get a level and unit; the old read-only "district" role
  // becomes "inspector" (its communes kept). SQLite cannot alter a CHECK, so the table is rebuilt; sessions
  // reference it and are rebuilt too (everyone signs in again once after the upgrade).
  `DROP TABLE sessions;
   CREATE TABLE users_v2 (
     id INTEGER PRIMARY KEY,
     username TEXT NOT NULL UNIQUE,
     password_hash TEXT NOT NULL,
     role TEXT NOT NULL CHECK (role IN ('staff', 'leader', 'inspector', 'admin')),
     level TEXT CHECK (level IN ('commune', 'district', 'province')),
     unit TEXT,
     communes TEXT NOT NULL DEFAULT '[]',
     display_name TEXT,
     disabled INTEGER NOT NULL DEFAULT 0,
     created_at TEXT NOT NULL
   );
   INSERT INTO users_v2 (id, username, password_hash, role, level, unit, communes, display_name, disabled, created_at)
     SELECT id, username, password_hash,
       CASE role WHEN 'district' THEN 'inspector' ELSE role END,
       CASE WHEN role IN ('staff', 'leader') THEN 'commune' END,
       CASE WHEN role IN ('staff', 'leader') THEN json_extract(communes, '$[0]') END,
       communes, display_name, disabled, created_at
     FROM users;
   DROP TABLE users;
   ALTER TABLE users_v2 RENAME TO users;
   CREATE TABLE sessions (
     token_hash TEXT PRIMARY KEY,
     user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
     created_at INTEGER NOT NULL,
     expires_at INTEGER NOT NULL
   );`,
  // announcements from above the commune (province, district): the issuing level and the communes targeted;
  // one signed document per issuer per speaker (speaker_docs), stops, and sound policies
  `ALTER TABLE announcements ADD COLUMN level TEXT NOT NULL DEFAULT 'commune';
   ALTER TABLE announcements ADD COLUMN targets TEXT;
   CREATE INDEX announcements_level ON announcements(level, status);
   ALTER TABLE speakers ADD COLUMN stopped TEXT;
   ALTER TABLE speakers ADD COLUMN last_seen TEXT;
   CREATE TABLE speaker_docs (
     speaker TEXT NOT NULL,
     channel TEXT NOT NULL,
     version INTEGER NOT NULL DEFAULT 0,
     items_hash TEXT,
     published_at TEXT,
     publish_pending INTEGER NOT NULL DEFAULT 0,
     status TEXT,
     status_active INTEGER,
     status_reason TEXT,
     status_at TEXT,
     PRIMARY KEY (speaker, channel)
   );
   CREATE TABLE stops (
     id TEXT PRIMARY KEY,
     level TEXT NOT NULL,
     unit TEXT NOT NULL,
     targets TEXT NOT NULL,
     at TEXT NOT NULL,
     until TEXT,
     created_by TEXT NOT NULL,
     lifted_at TEXT,
     lifted_by TEXT
   );
   CREATE TABLE sound_policies (
     level TEXT NOT NULL,
     unit TEXT NOT NULL,
     policy TEXT NOT NULL,
     updated_by TEXT NOT NULL,
     updated_at TEXT NOT NULL,
     PRIMARY KEY (level, unit)
   );`,
  // relays: what an announcement plays besides its audio, and the province's approved stations
  `ALTER TABLE announcements ADD COLUMN source TEXT;
   CREATE TABLE relay_stations (
     id TEXT PRIMARY KEY,
     name TEXT NOT NULL,
     url TEXT NOT NULL,
     format TEXT,
     approved_by TEXT NOT NULL,
     approved_at TEXT NOT NULL,
     doc TEXT NOT NULL,
     sig TEXT NOT NULL
   );`,
  // a station the province withdraws: kept for the record, never relayed again
  `ALTER TABLE relay_stations ADD COLUMN revoked_at TEXT;
   ALTER TABLE relay_stations ADD COLUMN revoked_by TEXT;`,
];

export function openDb(path: string): Db {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db);
  cachePrepared(db);
  return db;
}

/**
 * Every store prepares its SQL where it runs it; preparing costs more than running a small query (a
 * province-wide broadcast runs a few per speaker, for thousands of speakers), so each text is prepared once
 * per connection. No store changes a statement's mode (pluck, raw, expand), so sharing one is safe.
 */
function cachePrepared(db: Db): void {
  const cache = new Map<string, Database.Statement>();
  const prepare = db.prepare.bind(db);
  db.prepare = ((sql: string) => {
    let stmt = cache.get(sql);
    if (!stmt) cache.set(sql, (stmt = prepare(sql)));
    return stmt;
  }) as Db['prepare'];
}

export function migrate(db: Db): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  for (let i = current; i < MIGRATIONS.length; i++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[i]);
      db.pragma(`user_version = ${i + 1}`);
    })();
  }
}
