import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { AnnouncementStore } from './announcements.ts';
import { AudioIndex } from './audio.ts';
import { PolicyStore, SpeakerDocStore, StopStore } from './broadcast.ts';
import { AuditStore } from './audit.ts';
import { openDb, type Db } from './db.ts';
import { DeliveryStore } from './deliveries.ts';
import { SignedDocumentStore } from './signed-documents.ts';
import { SpeakerStore } from './speakers.ts';
import { LoginAttemptStore } from './login-attempts.ts';
import { UserStore } from './users.ts';

/** The console's embedded SQLite store; `tx` runs a function in one transaction (all or nothing). */
export class Store {
  readonly users: UserStore;
  readonly announcements: AnnouncementStore;
  readonly audit: AuditStore;
  readonly audio: AudioIndex;
  readonly speakers: SpeakerStore;
  readonly deliveries: DeliveryStore;
  readonly speakerDocs: SpeakerDocStore;
  readonly stops: StopStore;
  readonly policies: PolicyStore;
  readonly loginAttempts: LoginAttemptStore;
  readonly signedDocuments: SignedDocumentStore;

  constructor(readonly db: Db) {
    this.users = new UserStore(db);
    this.announcements = new AnnouncementStore(db);
    this.audit = new AuditStore(db);
    this.audio = new AudioIndex(db);
    this.speakers = new SpeakerStore(db);
    this.deliveries = new DeliveryStore(db);
    this.speakerDocs = new SpeakerDocStore(db);
    this.stops = new StopStore(db);
    this.policies = new PolicyStore(db);
    this.loginAttempts = new LoginAttemptStore(db);
    this.signedDocuments = new SignedDocumentStore(db);
  }

  static open(path: string): Store {
    mkdirSync(dirname(path), { recursive: true });
    return new Store(openDb(path));
  }

  tx<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  close(): void {
    this.db.close();
  }
}
