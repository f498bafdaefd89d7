import { randomBytes } from 'node:crypto';
import { vnWallTime } from '../devices/time/vietnam.ts';
import type { Clock } from '../infra/clock.ts';
import { isLeaderOf, ownUnit, readableCommunes, requireRole, unitCommunes } from './access.ts';
import type { Area } from './area.ts';
import { fail } from './errors.ts';
import type { Unit } from './levels.ts';
import type { Stop, StopRequest } from './api/broadcast.ts';
import type { Store } from './store/index.ts';
import type { User } from './model.ts';

/**
 * "Dừng phát ngay": a commune leader over their commune, a province (or district) leader over chosen
 * communes or the whole area. The stop is signed into that unit's document for every targeted speaker
 * (so it is retained, and a forged one is refused); it lasts until a leader of the same unit resumes, or
 * until the time chosen with it.
 */
export class StopService {
  constructor(
    private readonly deps: { store: Store; area: Area; clock: Clock; onChange(communes: string[], unit: Unit): void },
  ) {}

  #now(): string {
    return new Date(this.deps.clock.now()).toISOString();
  }

  create(user: User, body: StopRequest): Stop {
    requireRole(user, 'leader');
    const unit = ownUnit(user, this.deps.area);
    const own = unitCommunes(this.deps.area, unit);
    let targets: 'all' | string[] = unit.level === 'commune' ? [unit.code] : 'all';
    if (unit.level !== 'commune' && body.communes !== undefined && body.communes !== 'all') {
      if (!body.communes.every((c) => own.includes(c))) fail('TARGETS_INVALID');
      targets = [...new Set(body.communes)];
    }
    const at = this.#now();
    let until: string | null = null;
    if (body.until) {
      until = new Date(vnWallTime(body.until)).toISOString();
      if (until <= at) fail('UNTIL_INVALID');
    }
    const stop: Stop = {
      id: `dung-${randomBytes(6).toString('hex')}`,
      level: unit.level,
      unit: unit.code,
      targets,
      at,
      until,
      createdBy: user.username,
      liftedAt: null,
      liftedBy: null,
    };
    this.deps.store.tx(() => {
      this.deps.store.stops.insert(stop);
      this.deps.store.audit.record({
        at,
        username: user.username,
        commune: unit.code,
        action: 'stop.now',
        target: stop.id,
        before: null,
        after: stop,
      });
    });
    this.deps.onChange(this.communesOf(stop), { level: stop.level, code: stop.unit });
    return stop;
  }

  resume(user: User, id: string): Stop {
    const stop = this.deps.store.stops.get(id);
    if (!stop) fail('STOP_NOT_FOUND');
    if (!isLeaderOf(user, this.deps.area, { level: stop.level, code: stop.unit })) fail('FORBIDDEN_ROLE');
    if (stop.liftedAt) fail('STATE_CONFLICT', 'Lệnh dừng này đã được gỡ.');
    const at = this.#now();
    this.deps.store.tx(() => {
      this.deps.store.stops.lift(id, user.username, at);
      this.deps.store.audit.record({
        at,
        username: user.username,
        commune: stop.unit,
        action: 'stop.resume',
        target: id,
        before: stop,
        after: { ...stop, liftedAt: at, liftedBy: user.username },
      });
    });
    this.deps.onChange(this.communesOf(stop), { level: stop.level, code: stop.unit });
    return { ...stop, liftedAt: at, liftedBy: user.username };
  }

  communesOf(stop: Stop): string[] {
    const own = unitCommunes(this.deps.area, { level: stop.level, code: stop.unit });
    return stop.targets === 'all' ? own : own.filter((c) => (stop.targets as string[]).includes(c));
  }

  /** stops in force and recent ones that touch a commune the user reads */
  list(user: User): Array<Stop & { active: boolean; communes: string[] }> {
    const readable = new Set(readableCommunes(user, this.deps.area));
    const now = this.#now();
    return this.deps.store.stops
      .recent(200)
      .map((s) => ({ ...s, active: !s.liftedAt && (s.until === null || s.until > now), communes: this.communesOf(s) }))
      .filter((s) => s.communes.some((c) => readable.has(c)));
  }
}
