import { randomBytes } from 'node:crypto';
import type { Clock } from '../infra/clock.ts';
import {
  canApprove,
  visibleAnnouncement,
  ownUnit,
  readableCommunes,
  requireOwnUnit,
  requireRole,
  unitCommunes,
} from './access.ts';
import type { Area } from './area.ts';
import type { AudioService } from './audio/service.ts';
import { fail } from './errors.ts';
import type { Unit } from './levels.ts';
import {
  issuerOf,
  targetCommunes,
  type Announcement,
  type AnnouncementDraft,
  type AudioMeta,
  type Status,
  type User,
} from './model.ts';
import type { PolicyService } from './policy.ts';
import type { Store } from './store/index.ts';
import { EDITABLE, isEmergency, TRANSITIONS } from './announcement-rules.ts';
import { parseRequest, validateDraft } from './validate.ts';
import { EmergencyRequest, RejectRequest } from './api/announcement.ts';
import { relayDraft } from './relay/relay-draft.ts';
import { carriedByArea } from './schedule/build.ts';
import type { StationService } from './relay/stations.ts';

/** a new draft's workflow fields: written by the user now, not yet approved */
const newDraftState = (user: User, now: string) =>
  ({
    status: 'draft',
    rejectReason: null,
    createdBy: user.username,
    createdAt: now,
    updatedAt: now,
    approvedBy: null,
    approvedAt: null,
  }) as const;

export type AnnouncementDeps = {
  store: Store;
  area: Area;
  audio: AudioService;
  clock: Clock;
  limits: { maxTextChars: number; maxWindowDays: number };
  /** the approved set of a commune changed: re-issue its speakers' schedules */
  onChange(commune: string): void;
  /**
   * the emergencies a unit has on the air changed: its area emergency order, then the speakers' documents of
   * these communes unless `carried` (the order alone carries the emergency, before and after the change: no
   * document holds it, so none changes)
   */
  onAreaEmergency?(unit: Unit, communes: string[], carried: boolean): void;
  /** the province's approved relay stations */
  stations: StationService;
  /** quiet hours: a non-emergency occurrence inside them is refused (absent: no check) */
  policy?: PolicyService;
};

/** what the issuing unit's staff send beyond a commune's draft: the communes it is for */
type UnitDraft = { unit: Unit; draft: AnnouncementDraft; targets: 'all' | string[] };

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

  /**
   * A commune's staff prepare for their hamlets; a province's (or district's) for all or chosen communes of
   * their area and all or chosen hamlets of those. Quiet hours are checked against every commune targeted.
   */
  #draft(user: User, body: unknown, override?: Record<string, unknown>): UnitDraft {
    const unit = ownUnit(user, this.deps.area);
    if (typeof body !== 'object' || body === null || Array.isArray(body)) fail('INVALID_INPUT');
    // a relay announcement's body carries `relay: { station, durationMin }`: its text becomes the introduction
    const relay = relayDraft({ ...(body as Record<string, unknown>), ...override }, this.deps.stations);
    const raw = relay.body as Record<string, unknown>;
    const targets = unit.level === 'commune' ? [unit.code] : this.#targets(unit, raw.communes);
    const communes = targetCommunes(
      { commune: unit.code, level: unit.level, targets },
      unitCommunes(this.deps.area, unit),
    );
    const draft = validateDraft(raw, {
      area: this.deps.area,
      commune: unit.code,
      hamletCommunes: communes,
      now: this.deps.clock.now(),
      ...this.deps.limits,
    });
    if (draft.priority !== 'emergency') this.deps.policy?.check(draft.schedule, draft.priority, communes);
    return {
      unit,
      draft: { ...draft, source: relay.source },
      targets: unit.level === 'commune' ? [unit.code] : targets,
    };
  }

  #targets(unit: Unit, value: unknown): 'all' | string[] {
    if (value === undefined || value === 'all') return 'all';
    const own = new Set(unitCommunes(this.deps.area, unit));
    if (!Array.isArray(value) || value.length === 0 || !value.every((c) => typeof c === 'string' && own.has(c)))
      fail('TARGETS_INVALID');
    return [...new Set(value as string[])];
  }

  async #audioFor(commune: string, draft: AnnouncementDraft, previous?: Announcement): Promise<AudioMeta> {
    if (previous && draft.audio === previous.audio.sha256) return previous.audio;
    if (draft.audio) return this.deps.audio.require(draft.audio, commune);
    if (previous && previous.text === draft.text) return previous.audio; // same words: keep the speech already made
    return this.deps.audio.speak(draft.text!, commune);
  }

  async create(user: User, body: unknown): Promise<Announcement> {
    const { unit, draft, targets } = this.#draft(user, body);
    const audio = await this.#audioFor(unit.code, draft);
    const now = this.#now();
    const a: Announcement = {
      ...draft,
      id: `tb-${randomBytes(6).toString('hex')}`,
      commune: unit.code,
      level: unit.level,
      targets,
      audio,
      ...newDraftState(user, now),
      revision: 1,
      revisionOf: null,
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
    if (!EDITABLE.includes(before.status))
      fail('STATE_CONFLICT', 'Thông báo đã dừng không sửa được; hãy tạo thông báo mới.');
    if (isEmergency(before)) {
      if (!canApprove(user)) fail('EMERGENCY_LEADER_ONLY');
      // a leader's change is a new emergency, broadcast at once, that replaces the one on the air
      if (before.status === 'approved' && before.schedule.kind === 'immediate')
        return this.emergency(user, body, before);
    }
    const { draft, targets } = this.#draft(user, body);
    const audio = await this.#audioFor(before.commune, draft, before);
    const now = this.#now();
    if (before.status === 'approved') {
      const pending = this.deps.store.announcements.pendingRevisionOf(before.id);
      if (pending)
        fail('STATE_CONFLICT', `Thông báo này đã có một bản sửa chưa được duyệt (${pending.title}); hãy sửa bản đó.`);
      const revision: Announcement = {
        ...before,
        ...draft,
        targets,
        audio,
        id: `tb-${randomBytes(6).toString('hex')}`,
        ...newDraftState(user, now),
        revision: before.revision + 1,
        revisionOf: before.id,
      };
      this.#write(user, 'revise', undefined, revision);
      return revision;
    }
    const after: Announcement = {
      ...before,
      ...draft,
      targets,
      audio,
      status: 'draft',
      rejectReason: null,
      approvedBy: null,
      approvedAt: null,
      updatedAt: now,
      revision: before.revision + 1,
    };
    this.#write(user, 'update', before, after);
    return after;
  }

  submit(user: User, id: string): Announcement {
    return this.#transition(user, id, 'submit', TRANSITIONS.submit, { status: 'submitted' });
  }

  /**
   * Two-person rule: only what was submitted is approved, and never by a leader who wrote or changed it.
   * Approving a revision takes the announcement it replaces off the air in the same transaction.
   */
  approve(user: User, id: string): Announcement {
    requireRole(user, 'leader');
    const a = this.#own(user, id);
    if (a.status === 'draft' || a.status === 'rejected') fail('NOT_SUBMITTED');
    if (this.deps.store.audit.actorsOf(a.id, ['create', 'update', 'revise']).includes(user.username))
      fail('SELF_APPROVAL');
    // a relay of a station the province withdrew since it was written is not approved
    if (a.source?.kind === 'relay') this.deps.stations.usable(a.source.station);
    // an approval of an occurrence-less schedule would publish nothing: say so instead
    const now = this.deps.clock.now();
    if (a.schedule.kind !== 'immediate') this.#recheckSchedule(a, now);
    const replaced = a.revisionOf ? this.deps.store.announcements.get(a.revisionOf) : undefined;
    return this.deps.store.tx(() => {
      const approved = this.#transition(user, id, 'approve', TRANSITIONS.approve, {
        status: 'approved',
        approvedBy: user.username,
        approvedAt: this.#now(),
      });
      if (replaced && replaced.status === 'approved') {
        this.#write(
          user,
          'supersede',
          replaced,
          { ...replaced, status: 'stopped', updatedAt: this.#now() },
          { by: approved.id },
        );
      }
      return approved;
    });
  }

  reject(user: User, id: string, body: unknown): Announcement {
    requireRole(user, 'leader');
    const { reason } = parseRequest(RejectRequest, body);
    return this.#transition(user, id, 'reject', TRANSITIONS.reject, {
      status: 'rejected',
      rejectReason: reason.slice(0, 1000),
    });
  }

  stop(user: User, id: string): Announcement {
    requireRole(user, 'leader');
    return this.#transition(user, id, 'stop', TRANSITIONS.stop, { status: 'stopped' });
  }

  /**
   * The speech of a text, made now (the leader hears it before issuing an emergency): issuing the same words
   * then reuses it instead of waiting for the synthesis on the way to the speakers.
   */
  async speech(user: User, body: unknown): Promise<AudioMeta> {
    const unit = ownUnit(user, this.deps.area);
    const raw = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    const text = typeof raw.text === 'string' ? raw.text.trim() : '';
    if (!text) fail('TEXT_EMPTY');
    if (text.length > this.deps.limits.maxTextChars) fail('TEXT_TOO_LONG');
    return this.deps.audio.speak(text, unit.code);
  }

  /** a leader alone, at any level: approved and published at once, one occurrence now, priority emergency (audit action "emergency") */
  /** `replaces`: a leader's change of an emergency on the air, which it stops in the same transaction */
  async emergency(user: User, body: unknown, replaces?: Announcement): Promise<Announcement> {
    requireRole(user, 'leader');
    const request = parseRequest(EmergencyRequest, body);
    const at = this.#now();
    // validate with a placeholder schedule, then replace it with "now"
    const { unit, draft, targets } = this.#draft(user, request, {
      priority: 'emergency',
      schedule: { kind: 'once', at: '2999-01-01T00:00' },
      audio: undefined,
    });
    const audio = await this.deps.audio.speak(draft.text!, unit.code);
    const a: Announcement = {
      ...draft,
      schedule: { kind: 'immediate', at },
      id: `kc-${randomBytes(6).toString('hex')}`,
      commune: unit.code,
      level: unit.level,
      targets,
      audio,
      status: 'approved',
      rejectReason: null,
      createdBy: user.username,
      createdAt: at,
      updatedAt: at,
      approvedBy: user.username,
      approvedAt: at,
      revision: (replaces?.revision ?? 0) + 1,
      revisionOf: replaces?.id ?? null,
    };
    // the two-person rule does not apply: one leader alone, marked so in the audit trail
    this.deps.store.tx(() => {
      this.#write(user, 'emergency', undefined, a, { approval: 'single-leader-emergency' });
      if (replaces)
        this.#write(user, 'supersede', replaces, { ...replaces, status: 'stopped', updatedAt: at }, { by: a.id });
    });
    return a;
  }

  /** a commune's own announcements and those from above that are for it */
  list(user: User): Announcement[] {
    const readable = readableCommunes(user, this.deps.area);
    const codes = new Set(readable);
    for (const c of readable) {
      const p = this.deps.area.provinceOf(c);
      if (p) codes.add(p.code);
      const d = this.deps.area.districtOf(c);
      if (d) codes.add(d.code);
    }
    return this.deps.store.announcements
      .list([...codes])
      .filter((a) => this.#readable(a, readable))
      .flatMap((a) => visibleAnnouncement(user, a) ?? []);
  }

  get(user: User, id: string): Announcement {
    const a = this.deps.store.announcements.get(id);
    if (!a) fail('NOT_FOUND');
    if (!this.#readable(a, readableCommunes(user, this.deps.area))) fail('FORBIDDEN_COMMUNE');
    return visibleAnnouncement(user, a) ?? fail('NOT_FOUND');
  }

  /** the communes an announcement is for */
  communesOf(a: Announcement): string[] {
    return targetCommunes(a, unitCommunes(this.deps.area, issuerOf(a)));
  }

  #readable(a: Announcement, readable: string[]): boolean {
    return this.communesOf(a).some((c) => readable.includes(c));
  }

  #own(user: User, id: string): Announcement {
    const a = this.deps.store.announcements.get(id);
    if (!a) fail('NOT_FOUND');
    requireOwnUnit(user, this.deps.area, issuerOf(a));
    return a;
  }

  #recheckSchedule(a: Announcement, now: number): void {
    const communes = this.communesOf(a);
    validateDraft(
      { ...a, audio: a.audio.sha256, text: undefined },
      { area: this.deps.area, commune: a.commune, hamletCommunes: communes, now, ...this.deps.limits },
    );
    if (a.priority !== 'emergency') this.deps.policy?.check(a.schedule, a.priority, communes);
  }

  #transition(
    user: User,
    id: string,
    action: string,
    from: readonly Status[],
    change: Partial<Announcement>,
  ): Announcement {
    const before = this.#own(user, id);
    if (!from.includes(before.status)) fail('STATE_CONFLICT');
    const after: Announcement = { ...before, ...change, updatedAt: this.#now() };
    this.#write(user, action, before, after);
    return after;
  }

  #write(
    user: User,
    action: string,
    before: Announcement | undefined,
    after: Announcement,
    note?: Record<string, unknown>,
  ): void {
    const { store } = this.deps;
    store.tx(() => {
      // re-read inside the transaction: a concurrent change in between must not be overwritten silently
      const current = store.announcements.get(after.id);
      if (before && current?.updatedAt !== before.updatedAt)
        fail('STATE_CONFLICT', 'Thông báo vừa được người khác thay đổi; hãy tải lại.');
      store.announcements.save(after);
      store.audit.record({
        at: after.updatedAt,
        username: user.username,
        commune: after.commune,
        action,
        target: after.id,
        before: before ?? null,
        after: note ? { ...after, ...note } : after,
      });
    });
    if (before?.status === 'approved' || after.status === 'approved') {
      const communes = [...new Set([...this.communesOf(after), ...(before ? this.communesOf(before) : [])])];
      if (after.priority === 'emergency' && this.deps.onAreaEmergency)
        this.deps.onAreaEmergency(
          issuerOf(after),
          communes,
          carriedByArea(after) && (!before || carriedByArea(before)),
        );
      else for (const c of communes) this.deps.onChange(c);
    }
  }
}
