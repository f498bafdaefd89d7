import type { Clock } from '../../infra/clock.ts';
import type { AudioCache } from './audio-cache.ts';
import type { SpeakerConfig } from './config.ts';
import { PRIORITY_RANK, type Occurrence } from './occurrence.ts';
import { cappedVolume, isQuiet, quietStartsAt } from './periods.ts';
import { PlayerError, type AudioPlayer, type Playback } from './player.ts';
import type { DigitalOutput } from '../io/io.ts';
import type { SoundPolicy } from '../../devices/contract/broadcast.ts';
import { waitUntil, type Wait } from './wait.ts';
import { StreamItems, streamReport } from './stream-item.ts';
import type { StreamReport } from '../../devices/contract/stream.ts';

const round3 = (x: number) => Math.round(x * 1000) / 1000;
/** the end of a relay or live occurrence's window */
const streamUntil = (occ: Occurrence) =>
  occ.item.source && occ.item.source.kind !== 'file' ? occ.start + occ.item.source.durationS * 1000 : occ.start;

export type Outcome =
  | { outcome: 'played'; startedAt: number; endedAt: number; stream?: StreamReport }
  | { outcome: 'failed'; reason: string; startedAt?: number; endedAt?: number; stream?: StreamReport }
  | { outcome: 'skipped'; reason: string };

export type RunnerDeps = {
  clock: Clock;
  /** the amplifier relay (GpioBoard.output(pin, 'relay')) */
  relay: Pick<DigitalOutput, 'set' | 'on'>;
  player: AudioPlayer;
  audio: AudioCache;
  config: Pick<SpeakerConfig, 'warmupMs' | 'relayHoldMs' | 'quietHours' | 'volumeCaps'>;
  report(occ: Occurrence, outcome: Outcome): void;
  /** relays and live broadcasts (player-stream.ts); without it such items fail with stream-unsupported */
  streams?: StreamItems;
};

type Current = {
  occ: Occurrence;
  wait: Wait | null;
  playback: Playback | null;
  preempted: boolean;
  started: number | null;
  cutters: Wait[];
  cutReason: string | null;
  /** a relay or live stream whose occurrence left the schedule: it is ending, as played (endStreamsNotIn) */
  ended?: boolean;
  /** a playing stream's cut at the start of the quiet hours (moved when the policy changes) */
  quiet?: { timer: { cancel(): void } | null; cut: boolean };
};

/** why an occurrence must not play now (e.g. "stopped"), or null */
export type Gate = (occ: Occurrence) => string | null;

/**
 * Plays one occurrence at a time: relay on, warm-up, audio (repeats), relay off after a short hold.
 * An emergency stops anything lower at once; otherwise the best waiting one plays next (a priority
 * announcement is never cut by a normal one, and a normal one never by another normal one).
 */
export class Runner {
  private readonly queue: Occurrence[] = [];
  private current: Current | null = null;
  private warmFrom: number | null = null;
  private holdTimer: { cancel(): void } | null = null;
  private stopped = false;
  /** relays cut by an emergency inside their window: what they played so far, and when they were cut */
  private readonly resumable = new Map<string, { startedAt: number; cutAt: number; stream: StreamReport }>();
  private policy: Pick<SoundPolicy, 'quietHours' | 'volumeCaps'>;
  private gate: Gate = () => null;

  constructor(private readonly deps: RunnerDeps) {
    this.policy = { quietHours: deps.config.quietHours, volumeCaps: deps.config.volumeCaps };
  }

  /** the effective quiet hours and caps (local config merged with every accepted document's policy) */
  setPolicy(policy: Pick<SoundPolicy, 'quietHours' | 'volumeCaps'>): void {
    this.policy = policy;
    // a stream that plays now is cut where the new policy's quiet hours begin (earlier, later, or never)
    if (this.current?.quiet) this.armQuietCut(this.current);
  }

  /** cut the current stream when the quiet hours of the policy in force begin, inside its window */
  private armQuietCut(cur: Current): void {
    const q = cur.quiet;
    if (!q || q.cut) return;
    q.timer?.cancel();
    q.timer = null;
    const now = this.deps.clock.now();
    const at = quietStartsAt(this.policy.quietHours, cur.occ.item.priority, now, streamUntil(cur.occ));
    if (at === null) return;
    const cut = () => {
      if (this.current !== cur || cur.preempted || cur.ended) return;
      q.cut = true;
      cur.playback?.stop();
    };
    if (at <= now) cut();
    else q.timer = this.deps.clock.setTimeout(cut, at - now);
  }

  /** what refuses an occurrence when it is due (a stop in force) */
  setGate(gate: Gate): void {
    this.gate = gate;
  }

  /**
   * Cut what plays and drop what waits, for every occurrence `reasonOf` names a reason for (a stop, a
   * withdrawn announcement). Generic: whatever the player is doing is stopped through Playback.stop, and
   * the relay goes off at once. Returns how many were cut or dropped.
   */
  cut(reasonOf: Gate): number {
    let n = 0;
    for (const occ of [...this.queue]) {
      const reason = reasonOf(occ);
      if (!reason) continue;
      this.queue.splice(this.queue.indexOf(occ), 1);
      const partial = this.resumable.get(occ.key);
      this.resumable.delete(occ.key);
      this.deps.report(
        occ,
        partial
          ? { outcome: 'failed', reason, startedAt: partial.startedAt, endedAt: partial.cutAt, stream: partial.stream }
          : { outcome: 'skipped', reason },
      );
      n++;
    }
    const cur = this.current;
    // a stream already ending as played (endStreamsNotIn) is not cut again
    if (cur && !cur.cutReason && !cur.ended) {
      const reason = reasonOf(cur.occ);
      if (reason) {
        cur.cutReason = reason;
        this.preempt(cur);
        n++;
      }
    }
    if (n > 0 && (!this.current || this.current.cutReason)) {
      this.holdTimer?.cancel();
      this.holdTimer = null;
      this.switchOff();
    }
    return n;
  }

  get busy(): boolean {
    return this.current !== null;
  }

  submit(occ: Occurrence): void {
    if (this.stopped) return;
    const refused = this.gate(occ);
    if (refused) return this.deps.report(occ, { outcome: 'skipped', reason: refused });
    if (isQuiet(this.policy.quietHours, occ.item.priority, occ.start)) {
      return this.deps.report(occ, { outcome: 'skipped', reason: 'quiet-hours' });
    }
    this.queue.push(occ);
    const cur = this.current;
    if (cur && occ.item.priority === 'emergency' && cur.occ.item.priority !== 'emergency')
      this.preemptAt(cur, occ.start);
    this.pump();
  }

  /** Cut the current one when the emergency starts (it is handed over a warm-up early; the relay is already warm). */
  private preemptAt(cur: Current, at: number): void {
    const wait = waitUntil(this.deps.clock, at);
    cur.cutters.push(wait);
    void wait.done.then((reached) => reached && this.current === cur && this.preempt(cur));
  }

  /**
   * A new schedule no longer has the relay or live occurrence that is playing (the leader ended the live
   * session, or stopped the relay): it ends now, as played. `unless`: what must be cut instead (a stop in force).
   */
  endStreamsNotIn(keys: Set<string>, unless: Gate = () => null): void {
    const cur = this.current;
    if (cur && !cur.cutReason && StreamItems.hasStream(cur.occ) && !keys.has(cur.occ.key) && !unless(cur.occ)) {
      cur.ended = true;
      cur.playback?.stop();
    }
  }

  stop(): void {
    this.stopped = true;
    if (this.current) this.preempt(this.current);
    this.holdTimer?.cancel();
    this.switchOff();
  }

  private preempt(cur: Current): void {
    cur.preempted = true;
    cur.wait?.cancel();
    cur.playback?.stop();
  }

  private next(): Occurrence | undefined {
    this.queue.sort((a, b) => PRIORITY_RANK[b.item.priority] - PRIORITY_RANK[a.item.priority] || a.start - b.start);
    return this.queue.shift();
  }

  private pump(): void {
    if (this.current || this.stopped) return;
    const occ = this.next();
    if (!occ) return this.scheduleOff();
    const partial = this.resumable.get(occ.key);
    if (partial && (this.deps.clock.now() > occ.expires || this.deps.clock.now() >= streamUntil(occ))) {
      // the emergency outlasted the relay's window: what it relayed before is its log
      this.resumable.delete(occ.key);
      this.deps.report(occ, {
        outcome: 'failed',
        reason: 'preempted',
        startedAt: partial.startedAt,
        endedAt: partial.cutAt,
        stream: partial.stream,
      });
      return this.pump();
    }
    if (this.deps.clock.now() > occ.expires) {
      this.deps.report(occ, { outcome: 'skipped', reason: 'busy' });
      return this.pump();
    }
    const cur: Current = {
      occ,
      wait: null,
      playback: null,
      preempted: false,
      started: null,
      cutters: [],
      cutReason: null,
    };
    this.current = cur;
    void this.run(cur).then(
      (outcome) => this.finish(cur, outcome),
      (err: unknown) => this.finish(cur, { outcome: 'failed', reason: `internal: ${String(err).slice(0, 150)}` }),
    );
  }

  private finish(cur: Current, outcome: Outcome | null): void {
    this.current = null;
    for (const w of cur.cutters) w.cancel();
    // preempted before a sound was made: it waits its turn again (within its validity)
    if (outcome === null) this.queue.push(cur.occ);
    else this.deps.report(cur.occ, outcome);
    this.pump();
  }

  /** a file or stream that broke while playing: the player's code and message, with when it ran */
  private playbackFailed(err: unknown, startedAt: number, stream?: StreamReport): Outcome {
    const code = err instanceof PlayerError ? err.code : 'player-error';
    return {
      outcome: 'failed',
      reason: `${code}: ${(err as Error).message}`.slice(0, 200),
      startedAt,
      endedAt: this.deps.clock.now(),
      ...(stream ? { stream } : {}),
    };
  }

  /** null: preempted before it started (re-queued). */
  private async run(cur: Current): Promise<Outcome | null> {
    const { occ } = cur;
    // the amplifier warms up while the audio is fetched (an emergency issued now is downloaded on arrival)
    const warmedHere = !this.deps.relay.on;
    this.switchOn();
    const audio = await this.deps.audio.ensure(occ.item.audio, { urgent: occ.item.priority === 'emergency' });
    if (cur.cutReason) return { outcome: 'skipped', reason: cur.cutReason };
    if (!audio.ok) {
      if (warmedHere && !this.stopped) this.switchOff();
      return { outcome: 'failed', reason: `${audio.error}: ${audio.detail}`.slice(0, 200) };
    }
    cur.wait = waitUntil(this.deps.clock, Math.max(occ.start, (this.warmFrom ?? 0) + this.deps.config.warmupMs));
    if (!(await cur.wait.done) || cur.preempted) {
      if (this.stopped) return { outcome: 'skipped', reason: 'unit-stopped' };
      return cur.cutReason ? { outcome: 'skipped', reason: cur.cutReason } : null;
    }
    const volume = cappedVolume(this.policy.volumeCaps, occ.item.volume, this.deps.clock.now());
    cur.started = this.deps.clock.now();
    // a relay resuming after an emergency goes straight back to the station (no second intro)
    const resumed = this.resumable.get(occ.key);
    this.resumable.delete(occ.key);
    for (let i = 0; i < occ.item.repeats && !cur.preempted && !StreamItems.skipsFile(occ) && !resumed; i++) {
      cur.playback = this.deps.player.play({ file: audio.file, mime: occ.item.audio.mime, volume });
      try {
        await cur.playback.done;
      } catch (err) {
        return this.playbackFailed(err, cur.started);
      }
    }
    let stream: StreamReport | undefined;
    if (StreamItems.hasStream(occ) && !cur.preempted && !cur.ended) {
      const started = this.deps.streams?.start(occ, volume, this.policy.quietHours) ?? {
        ok: false as const,
        reason: 'stream-unsupported',
      };
      if (!started.ok)
        return {
          outcome: 'failed',
          reason: started.reason.slice(0, 200),
          startedAt: cur.started,
          endedAt: this.deps.clock.now(),
        };
      cur.playback = started.playback;
      cur.quiet = { timer: null, cut: false };
      this.armQuietCut(cur);
      try {
        await started.playback.done;
      } catch (err) {
        return this.playbackFailed(err, cur.started, streamReport(started.kind, started.playback));
      } finally {
        cur.quiet.timer?.cancel();
      }
      stream = streamReport(started.kind, started.playback);
    }
    if (resumed && stream) {
      // one log for the whole window: the emergency's interruption is one more gap
      const cutS = Math.max(0, (cur.started - resumed.cutAt) / 1000);
      stream = {
        ...stream,
        playedS: round3(resumed.stream.playedS + stream.playedS),
        gaps: resumed.stream.gaps + 1 + stream.gaps,
        gapS: round3(resumed.stream.gapS + cutS + stream.gapS),
      };
      cur.started = resumed.startedAt;
    }
    const endedAt = this.deps.clock.now();
    if (stream && cur.quiet?.cut && !cur.preempted && !cur.ended) {
      return { outcome: 'failed', reason: 'quiet-hours', startedAt: cur.started, endedAt, stream };
    }
    if (stream?.kind === 'relay' && cur.preempted && !cur.cutReason && !this.stopped && endedAt < streamUntil(occ)) {
      // preempted by an emergency with time left in its window: it waits its turn and resumes (the relay's
      // own window is its validity; the emergency outranks it in the queue)
      this.resumable.set(occ.key, { startedAt: cur.started, cutAt: endedAt, stream });
      return null;
    }
    const extra = stream ? { stream } : {};
    if (cur.preempted)
      return {
        outcome: 'failed',
        reason: this.stopped ? 'unit-stopped' : (cur.cutReason ?? 'preempted'),
        startedAt: cur.started,
        endedAt,
        ...extra,
      };
    return { outcome: 'played', startedAt: cur.started, endedAt, ...extra };
  }

  private switchOn(): void {
    this.holdTimer?.cancel();
    this.holdTimer = null;
    if (this.deps.relay.on && this.warmFrom !== null) return;
    this.deps.relay.set(true);
    this.warmFrom = this.deps.clock.now();
  }

  private scheduleOff(): void {
    if (!this.deps.relay.on || this.holdTimer) return;
    this.holdTimer = this.deps.clock.setTimeout(() => {
      this.holdTimer = null;
      if (!this.current) this.switchOff();
    }, this.deps.config.relayHoldMs);
  }

  private switchOff(): void {
    if (this.deps.relay.on) this.deps.relay.set(false);
    this.warmFrom = null;
  }
}
