import { randomBytes } from 'node:crypto';
import type { Clock } from '../../infra/clock.ts';
import { ownCommune, requireOwn, requireRole } from '../access.ts';
import type { Area } from '../area.ts';
import type { AudioService } from '../audio/service.ts';
import { makeWav } from '../audio/wav.ts';
import { fail } from '../errors.ts';
import type { Announcement, AudioMeta, User } from '../model.ts';
import type { Store } from '../store/index.ts';
import { hamlets as validHamlets } from '../validate.ts';
import { DEFAULT_SOUND_POLICY } from '../../devices/contract/broadcast.ts';
import { isQuiet, quietStartsAt } from '../../devices/broadcast-plan.ts';
import type { PolicyService } from '../policy.ts';
import { type FeedState, LiveFeeder } from './feeder.ts';

export type LiveConfig = {
  ffmpeg: string;
  /** icecast2 base URL the console feeds (source) */
  icecastUrl: string;
  sourcePassword: string;
  /** icecast2 base URL as speakers reach it */
  listenUrl: string;
  maxMinutes: number;
};

export type LiveStatus = 'requested' | 'ready' | 'on-air' | 'ended';

export type LiveSession = {
  id: string;
  commune: string;
  hamlets: 'all' | string[];
  emergency: boolean;
  by: string;
  approvedBy: string | null;
  status: LiveStatus;
  mount: string;
  startedAt: string | null;
  endedAt: string | null;
  /** the announcement that carries it in the signed schedules */
  announcement: string | null;
  /** the encoder feeding the mount: on air, or being restarted after it was lost (and how often) */
  feed: FeedState | null;
};

/**
 * "Phát trực tiếp": a leader speaks into the browser to chosen hamlets. A leader's session is ready at once;
 * a staff member's is a request that a leader of the same commune approves from their own account before the
 * staff member may speak (the leader stays accountable for what goes on air). On the first audio chunk the
 * session becomes an approved announcement whose item names the session's random mount; ending it (or the
 * browser closing) stops the announcement, and the re-issued schedules make the speakers stop.
 */
export class LiveService {
  readonly #sessions = new Map<string, LiveSession>();
  readonly #feeders = new Map<string, LiveFeeder>();
  readonly #silence = new Map<string, AudioMeta>();
  readonly #quietTimers = new Map<string, { cancel(): void }>();

  constructor(
    private readonly deps: {
      store: Store;
      area: Area;
      audio: AudioService;
      clock: Clock;
      config: LiveConfig;
      onChange(commune: string): void;
      /** the commune's sound policy (console/policy.ts), the one its speakers enforce (absent: the default) */
      policy?: PolicyService;
    },
  ) {}

  #now(): string {
    return new Date(this.deps.clock.now()).toISOString();
  }

  request(user: User, body: unknown): LiveSession {
    const commune = ownCommune(user, this.deps.area);
    const raw = (typeof body === 'object' && body !== null && !Array.isArray(body) ? body : {}) as Record<
      string,
      unknown
    >;
    const hamlets = validHamlets(raw.hamlets, { area: this.deps.area, commune });
    const emergency = raw.emergency === true;
    if (!emergency && this.#quiet(commune)) fail('LIVE_QUIET_HOURS');
    const leader = user.role === 'leader';
    const s: LiveSession = {
      id: `tt-${randomBytes(6).toString('hex')}`,
      commune,
      hamlets,
      emergency,
      by: user.username,
      approvedBy: leader ? user.username : null,
      status: leader ? 'ready' : 'requested',
      mount: `/live-${randomBytes(16).toString('hex')}.mp3`,
      startedAt: null,
      endedAt: null,
      announcement: null,
      feed: null,
    };
    this.#sessions.set(s.id, s);
    this.#audit(user, 'live.request', s);
    return s;
  }

  approve(user: User, id: string): LiveSession {
    requireRole(user, 'leader');
    const s = this.#of(user, id);
    if (s.status !== 'requested') fail('STATE_CONFLICT');
    s.status = 'ready';
    s.approvedBy = user.username;
    this.#audit(user, 'live.approve', s);
    return s;
  }

  get(user: User, id: string): LiveSession {
    return this.#of(user, id);
  }

  list(user: User): LiveSession[] {
    const commune = ownCommune(user, this.deps.area);
    return [...this.#sessions.values()].filter((s) => s.commune === commune);
  }

  /** the feed socket may open only for the user who requested it, once the session is ready */
  openFeed(user: User, id: string): LiveSession {
    const s = this.#of(user, id);
    if (s.by !== user.username) fail('FORBIDDEN_ROLE');
    if (s.status !== 'ready') fail('LIVE_NOT_READY');
    if (!s.emergency && this.#quiet(s.commune)) fail('LIVE_QUIET_HOURS');
    return s;
  }

  /** one chunk from the browser; the first one puts the session on air */
  async chunk(user: User, s: LiveSession, bytes: Buffer): Promise<void> {
    if (s.status === 'ended') return;
    let feeder = this.#feeders.get(s.id);
    if (!feeder) {
      if (s.status !== 'ready') return;
      const base = new URL(this.deps.config.icecastUrl);
      const sourceUrl = `icecast://source:${encodeURIComponent(this.deps.config.sourcePassword)}@${base.host}${s.mount}`;
      // a lost encoder or mount is restarted by the feeder (the session stays on air, speakers reconnect);
      // the leader's view shows it and the audit records each loss and its recovery
      feeder = new LiveFeeder({
        ffmpeg: this.deps.config.ffmpeg,
        sourceUrl,
        onState: (state) => this.#feedChanged(s, state),
      });
      s.feed = { ...feeder.status };
      this.#feeders.set(s.id, feeder);
      s.status = 'on-air';
      s.startedAt = this.#now();
      this.#endAtQuietHours(s);
      feeder.write(bytes);
      await this.#announce(user, s);
      return;
    }
    feeder.write(bytes);
  }

  /** the leader ends it (or the browser went away): the mount closes and the schedules drop the item */
  end(user: User, id: string, internal = false): LiveSession {
    const s = internal ? this.#sessions.get(id)! : this.#of(user, id);
    if (!internal && s.by !== user.username) requireRole(user, 'leader');
    if (s.status === 'ended') return s;
    const wasOnAir = s.status === 'on-air';
    s.status = 'ended';
    s.endedAt = this.#now();
    this.#quietTimers.get(id)?.cancel();
    this.#quietTimers.delete(id);
    this.#feeders.get(id)?.stop();
    this.#feeders.delete(id);
    if (wasOnAir && s.announcement) {
      const a = this.deps.store.announcements.get(s.announcement);
      if (a) {
        const after: Announcement = { ...a, status: 'stopped', updatedAt: s.endedAt };
        this.deps.store.tx(() => {
          this.deps.store.announcements.save(after);
          this.deps.store.audit.record({
            at: s.endedAt!,
            username: user.username,
            commune: s.commune,
            action: 'live.end',
            target: a.id,
            before: a,
            after,
          });
        });
        this.deps.onChange(s.commune);
      }
    } else {
      this.#audit(user, 'live.end', s);
    }
    return s;
  }

  close(): void {
    for (const f of this.#feeders.values()) f.stop();
    this.#feeders.clear();
    for (const t of this.#quietTimers.values()) t.cancel();
    this.#quietTimers.clear();
  }

  async #announce(user: User, s: LiveSession): Promise<void> {
    const audio = await this.#placeholder(s.commune);
    const at = s.startedAt!;
    const a: Announcement = {
      id: s.id,
      commune: s.commune,
      title: `Phát trực tiếp (${s.by})`,
      text: null,
      audio,
      hamlets: s.hamlets,
      schedule: { kind: 'immediate', at },
      repeats: 1,
      volume: 90,
      priority: s.emergency ? 'emergency' : 'priority',
      source: {
        kind: 'live',
        url: `${this.deps.config.listenUrl.replace(/\/$/, '')}${s.mount}`,
        durationS: this.deps.config.maxMinutes * 60,
        by: s.by,
      },
      status: 'approved',
      rejectReason: null,
      createdBy: s.by,
      createdAt: at,
      updatedAt: at,
      approvedBy: s.approvedBy,
      approvedAt: at,
      revision: 1,
    };
    s.announcement = a.id;
    if (s.status !== 'on-air') return; // ended while the placeholder was made
    this.deps.store.tx(() => {
      this.deps.store.announcements.save(a);
      // the two-person rule: a leader alone goes on air at once, as with an emergency, and the audit says so
      // (approval "single-leader-live", like "single-leader-emergency"); a staff member's session names its approver
      const approval = s.approvedBy === s.by ? 'single-leader-live' : 'leader-approved';
      this.deps.store.audit.record({
        at,
        username: user.username,
        commune: s.commune,
        action: 'live.start',
        target: a.id,
        before: null,
        after: { ...a, approval },
      });
    });
    this.deps.onChange(s.commune);
  }

  #feedChanged(s: LiveSession, state: FeedState): void {
    const before = s.feed?.state;
    s.feed = state;
    if (s.status !== 'on-air') return;
    const lost = state.state === 'reconnecting' && before !== 'reconnecting';
    const back = state.state === 'on-air' && before === 'reconnecting';
    if (lost || back) this.#audit({ username: s.by } as User, lost ? 'live.feed-lost' : 'live.feed-restored', s);
  }

  /** the encoder of an on-air session (tests kill its process to prove the feed comes back) */
  feederOf(id: string): LiveFeeder | undefined {
    return this.#feeders.get(id);
  }

  /** a live item still needs an audio file in the schedule contract: half a second of silence, never played */
  async #placeholder(commune: string): Promise<AudioMeta> {
    const known = this.#silence.get(commune);
    if (known) return known;
    const meta = await this.deps.audio.upload(makeWav(new Int16Array(8000)), 'live', commune);
    this.#silence.set(commune, meta);
    return meta;
  }

  #of(user: User, id: string): LiveSession {
    const s = this.#sessions.get(id);
    if (!s) fail('NOT_FOUND');
    requireOwn(user, this.deps.area, s.commune);
    return s;
  }

  /** the sound policy of these communes changed: sessions on air there end where its quiet hours begin (maybe now) */
  policyChanged(communes: string[]): void {
    for (const s of this.#sessions.values())
      if (s.status === 'on-air' && communes.includes(s.commune)) this.#endAtQuietHours(s);
  }

  /**
   * A session checked at its start can run into the quiet hours: a non-emergency one ends when they begin (the
   * speakers stop it there by themselves too, from the same signed policy), audited as "live.quiet-hours".
   * Armed again when the policy changes, so the end moves with it.
   */
  #endAtQuietHours(s: LiveSession): void {
    this.#quietTimers.get(s.id)?.cancel();
    this.#quietTimers.delete(s.id);
    if (s.emergency || !s.startedAt) return;
    const policy = this.deps.policy?.effective(s.commune) ?? DEFAULT_SOUND_POLICY;
    const now = this.deps.clock.now();
    const windowEnd = Date.parse(s.startedAt) + this.deps.config.maxMinutes * 60_000;
    const at = quietStartsAt(policy.quietHours, 'priority', now, windowEnd);
    if (at === null) return;
    const endNow = () => {
      this.#quietTimers.delete(s.id);
      if (s.status !== 'on-air') return;
      this.deps.store.audit.record({
        at: this.#now(),
        username: s.by,
        commune: s.commune,
        action: 'live.quiet-hours',
        target: s.id,
        before: null,
        after: s,
      });
      this.end({ username: s.by } as User, s.id, true);
    };
    if (at <= now) return endNow();
    this.#quietTimers.set(s.id, this.deps.clock.setTimeout(endNow, at - now));
  }

  /** inside the quiet hours its speakers enforce (the same merged policy the signed documents carry) */
  #quiet(commune: string): boolean {
    const policy = this.deps.policy?.effective(commune) ?? DEFAULT_SOUND_POLICY;
    return isQuiet(policy.quietHours, 'priority', this.deps.clock.now());
  }

  #audit(user: User, action: string, s: LiveSession): void {
    this.deps.store.audit.record({
      at: this.#now(),
      username: user.username,
      commune: s.commune,
      action,
      target: s.id,
      before: null,
      after: s,
    });
  }
}
