import { randomBytes } from 'node:crypto';
import type { Clock } from '../infra/clock.ts';
import { canApprove, visibleAnnouncement, ownCommune, readableCommunes, requireOwn, requireReadable, requireRole } from './access.ts';
import type { Area } from './area.ts';
import type { AudioService } from './audio/service.ts';
import { fail } from './errors.ts';
import type { Announcement, AnnouncementDraft, AudioMeta, Status, User } from './model.ts';
import type { Store } from './store/index.ts';
import { validateDraft } from './validate.ts';
import { relayDraft } from './relay/relay-draft.ts';
import type { StationService } from './relay/stations.ts';

export type AnnouncementDeps = {
  store: Store;
  area: Area;
  audio: AudioService;
  clock: Clock;
  limits: { maxTextChars: number; maxWindowDays: number };
  /** the approved set of a commune changed: re-issue its speakers' schedules */
  onChange(commune: string): void;
  /** the province's approved relay stations */
  stations: StationService;
};

/**
 * The announcement workflow: draft → submitted → approved (another leader) → stopped, or rejected → draft.
 * Nothing reaches a speaker before a leader approves; an edit of an approved one is a revision beside it.
 * Each change and its audit entry are written in one transaction.
 */
export class AnnouncementService {
  constructor(private readonly deps: AnnouncementDeps) {}

  #now(): string {
    return new Date(this.deps.clock.now()).toISOString();
  }

  #draft(user: User, body: unknown): { commune: string; draft: AnnouncementDraft } {
    const commune = ownCommune(user, this.deps.area);
    const relay = relayDraft(body, this.deps.stations);
    const draft = validateDraft(relay.body, { area: this.deps.area, commune, now: this.deps.clock.now(), ...this.deps.limits });
    return { commune, draft: { ...draft, source: relay.source } };
  }

  async #audioFor(commune: string, draft: AnnouncementDraft, previous?: Announcement): Promise<AudioMeta> {
    if (previous && draft.audio === previous.audio.sha256) return previous.audio;
    if (draft.audio) return this.deps.audio.require(draft.audio, commune);
    if (previous && previous.text === draft.text) return previous.audio; // same words: keep the speech already made
    return this.deps.audio.speak(draft.text!, commune);
  }

  async create(user: User, body: unknown): Promise<Announcement> {
    const { commune, draft } = this.#draft(user, body);
    const audio = await this.#audioFor(commune, draft);
    const now = this.#now();
    const a: Announcement = {
      ...draft, id: `tb-${randomBytes(6).toString('hex')}`, commune, audio, status: 'draft', rejectReason: null,
      createdBy: user.username, createdAt: now, updatedAt: now, approvedBy: null, approvedAt: null, revision: 1, revisionOf: null,
    };
    this.#write(user, 'create', undefined, a);
    return a;
  }

  /**
   * Edit. A draft, submitted or rejected one is changed in place and becomes a draft again. An approved one
   * stays on the air: the edit becomes a new draft beside it (`revisionOf`), which replaces it only when a
   * leader approves. Only a leader may change an emergency (a new emergency, broadcast at once, replaces it)
   * or end it (stop).
   */
  async update(user: User, id: string, body: unknown): Promise<Announcement> {
    const before = this.#own(user, id);
    if (before.status === 'stopped') fail('STATE_CONFLICT', 'Thông báo đã dừng không sửa được; hãy tạo thông báo mới.');
    if (isEmergency(before)) {
      if (!canApprove(user)) fail('EMERGENCY_LEADER_ONLY');
      // a leader's change is a new emergency, broadcast at once, that replaces the one on the air
      if (before.status === 'approved' && before.schedule.kind === 'immediate') return this.emergency(user, body, before);
    }
    const { draft } = this.#draft(user, body);
    const audio = await this.#audioFor(before.commune, draft, before);
    const now = this.#now();
    if (before.status === 'approved') {
      const pending = this.deps.store.announcements.pendingRevisionOf(before.id);
      if (pending) fail('STATE_CONFLICT', `Thông báo này đã có một bản sửa chưa được duyệt (${pending.title}); hãy sửa bản đó.`);
      const revision: Announcement = {
        ...before, ...draft, audio, id: `tb-${randomBytes(6).toString('hex')}`, status: 'draft', rejectReason: null,
        createdBy: user.username, createdAt: now, updatedAt: now, approvedBy: null, approvedAt: null,
        revision: before.revision + 1, revisionOf: before.id,
      };
      this.#write(user, 'revise', undefined, revision);
      return revision;
    }
    const after: Announcement = {
      ...before, ...draft, audio, status: 'draft', rejectReason: null, approvedBy: null, approvedAt: null,
      updatedAt: now, revision: before.revision + 1,
    };
    this.#write(user, 'update', before, after);
    return after;
  }

  submit(user: User, id: string): Announcement {
    return this.#transition(user, id, 'submit', ['draft', 'rejected'], { status: 'submitted' });
  }

  /**
   * Two-person rule: only what was submitted is approved, and never by a leader who wrote or changed it.
   * Approving a revision takes the announcement it replaces off the air in the same transaction.
   */
  approve(user: User, id: string): Announcement {
    requireRole(user, 'leader');
    const a = this.#own(user, id);
    if (a.status === 'draft' || a.status === 'rejected') fail('NOT_SUBMITTED');
    if (this.deps.store.audit.actorsOf(a.id, ['create', 'update', 'revise']).includes(user.username)) fail('SELF_APPROVAL');
    // an approval of an occurrence-less schedule would publish nothing: say so instead
    const now = this.deps.clock.now();
    if (a.schedule.kind !== 'immediate') this.#recheckSchedule(a, now);
    const replaced = a.revisionOf ? this.deps.store.announcements.get(a.revisionOf) : undefined;
    return this.deps.store.tx(() => {
      const approved = this.#transition(user, id, 'approve', ['submitted'], { status: 'approved', approvedBy: user.username, approvedAt: this.#now() });
      if (replaced && replaced.status === 'approved') {
        this.#write(user, 'supersede', replaced, { ...replaced, status: 'stopped', updatedAt: this.#now() }, { by: approved.id });
      }
      return approved;
    });
  }

  reject(user: User, id: string, reason: unknown): Announcement {
    requireRole(user, 'leader');
    const text = typeof reason === 'string' ? reason.trim() : '';
    if (!text) fail('REASON_EMPTY');
    return this.#transition(user, id, 'reject', ['draft', 'submitted'], { status: 'rejected', rejectReason: text.slice(0, 1000) });
  }

  stop(user: User, id: string): Announcement {
    requireRole(user, 'leader');
    return this.#transition(user, id, 'stop', ['approved', 'submitted', 'draft'], { status: 'stopped' });
  }

  /** leader only: approved and published at once, one occurrence now, priority emergency */
  /** `replaces`: a leader's change of an emergency on the air, which it stops in the same transaction */
  async emergency(user: User, body: unknown, replaces?: Announcement): Promise<Announcement> {
    requireRole(user, 'leader');
    const commune = ownCommune(user, this.deps.area);
    const raw = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    const at = this.#now();
    // validate with a placeholder schedule, then replace it with "now"
    const draft = validateDraft(
      // an emergency is loud unless the leader says otherwise
      { volume: 100, ...raw, priority: 'emergency', schedule: { kind: 'once', at: '2999-01-01T00:00' }, audio: undefined },
      { area: this.deps.area, commune, now: this.deps.clock.now(), ...this.deps.limits },
    );
    const audio = await this.deps.audio.speak(draft.text!, commune);
    const a: Announcement = {
      ...draft, schedule: { kind: 'immediate', at }, id: `kc-${randomBytes(6).toString('hex')}`, commune, audio,
      status: 'approved', rejectReason: null, createdBy: user.username, createdAt: at, updatedAt: at,
      approvedBy: user.username, approvedAt: at, revision: (replaces?.revision ?? 0) + 1, revisionOf: replaces?.id ?? null,
    };
    // the two-person rule does not apply: one leader alone, marked so in the audit trail
    this.deps.store.tx(() => {
      this.#write(user, 'emergency', undefined, a, { approval: 'single-leader-emergency' });
      if (replaces) this.#write(user, 'supersede', replaces, { ...replaces, status: 'stopped', updatedAt: at }, { by: a.id });
    });
    return a;
  }

  list(user: User): Announcement[] {
    return this.deps.store.announcements.list(readableCommunes(user, this.deps.area)).flatMap((a) => visibleAnnouncement(user, a) ?? []);
  }

  get(user: User, id: string): Announcement {
    const a = this.deps.store.announcements.get(id);
    if (!a) fail('NOT_FOUND');
    requireReadable(user, this.deps.area, a.commune);
    return visibleAnnouncement(user, a) ?? fail('NOT_FOUND');
  }

  #own(user: User, id: string): Announcement {
    const a = this.deps.store.announcements.get(id);
    if (!a) fail('NOT_FOUND');
    requireOwn(user, this.deps.area, a.commune);
    return a;
  }

  #recheckSchedule(a: Announcement, now: number): void {
    validateDraft({ ...a, audio: a.audio.sha256, text: undefined }, { area: this.deps.area, commune: a.commune, now, ...this.deps.limits });
  }

  #transition(user: User, id: string, action: string, from: Status[], change: Partial<Announcement>): Announcement {
    const before = this.#own(user, id);
    if (!from.includes(before.status)) fail('STATE_CONFLICT');
    const after: Announcement = { ...before, ...change, updatedAt: this.#now() };
    this.#write(user, action, before, after);
    return after;
  }

  #write(user: User, action: string, before: Announcement | undefined, after: Announcement, note?: Record<string, unknown>): void {
    const { store } = this.deps;
    store.tx(() => {
      // re-read inside the transaction: a concurrent change in between must not be overwritten silently
      const current = store.announcements.get(after.id);
      if (before && current?.updatedAt !== before.updatedAt) fail('STATE_CONFLICT', 'Thông báo vừa được người khác thay đổi; hãy tải lại.');
      store.announcements.save(after);
      store.audit.record({ at: after.updatedAt, username: user.username, commune: after.commune, action, target: after.id, before: before ?? null, after: note ? { ...after, ...note } : after });
    });
    if (before?.status === 'approved' || after.status === 'approved') this.deps.onChange(after.commune);
  }
}

export function isEmergency(a: Announcement): boolean {
  return a.priority === 'emergency' || a.schedule.kind === 'immediate';
}
