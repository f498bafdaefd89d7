import { DEFAULT_SOUND_POLICY, type Priority, type SoundPolicy } from '../devices/contract/broadcast.ts';
import { isQuiet, mergePolicies } from '../devices/broadcast-plan.ts';
import { vnDateTimeText } from '../devices/time/vietnam.ts';
import type { Clock } from '../infra/clock.ts';
import { isLeaderOf } from './access.ts';
import type { Area } from './area.ts';
import { fail } from './errors.ts';
import type { Unit } from './levels.ts';
import type { Schedule, User } from './model.ts';
import { expand, scheduleEnd } from './recurrence.ts';
import type { Store } from './store/index.ts';

/**
 * Quiet hours and volume caps as policy: a commune's own, else its province's, else the default (no
 * non-emergency sound 21:00–05:30 Vietnam time). Signed into every document; the speaker merges every
 * issuer's policy (strictest wins), so the console checks a schedule against the same merge.
 */
export class PolicyService {
  constructor(private readonly deps: { store: Store; area: Area; clock: Clock; onChange(communes: string[]): void }) {}

  /** the policy a unit's documents carry */
  forUnit(unit: Unit): SoundPolicy {
    const own = this.deps.store.policies.get(unit.level, unit.code);
    if (own) return own;
    if (unit.level === 'province') return DEFAULT_SOUND_POLICY;
    // a commune or district without its own policy follows the unit above it
    const commune = unit.level === 'commune' ? unit.code : this.deps.area.communesIn('district', unit.code)[0];
    const district = unit.level === 'commune' && commune ? this.deps.area.districtOf(commune) : undefined;
    if (district) return this.forUnit({ level: 'district', code: district.code });
    const province = commune ? this.deps.area.provinceOf(commune) : undefined;
    return (province && this.deps.store.policies.get('province', province.code)) || DEFAULT_SOUND_POLICY;
  }

  /** what a speaker of this commune enforces: its commune's policy merged with every unit above */
  effective(commune: string): SoundPolicy {
    const list = [this.forUnit({ level: 'commune', code: commune })];
    const province = this.deps.area.provinceOf(commune);
    if (province) list.push(this.forUnit({ level: 'province', code: province.code }));
    const district = this.deps.area.districtOf(commune);
    if (district) list.push(this.forUnit({ level: 'district', code: district.code }));
    return mergePolicies(list);
  }

  /** refuse a schedule with a non-emergency occurrence inside quiet hours of any commune it is for */
  check(schedule: Schedule, priority: Priority, communes: string[]): void {
    if (schedule.kind === 'immediate') return;
    const now = this.deps.clock.now();
    const starts = expand(schedule, now, scheduleEnd(schedule), 2000);
    for (const c of communes) {
      const quiet = this.effective(c).quietHours;
      const bad = starts.find((iso) => isQuiet(quiet, priority, Date.parse(iso)));
      if (bad) {
        const periods = quiet.periods.map((p) => `${p.from}–${p.to}`).join(', ');
        fail(
          'QUIET_HOURS',
          `Lần phát lúc ${vnDateTimeText(Date.parse(bad))} rơi vào giờ yên tĩnh (${periods}) của ${this.deps.area.communeName(c)}.`,
        );
      }
    }
  }

  /** a leader of the unit sets its policy */
  set(user: User, unit: Unit, next: SoundPolicy): SoundPolicy {
    if (!isLeaderOf(user, this.deps.area, unit)) fail('FORBIDDEN_ROLE');
    const at = new Date(this.deps.clock.now()).toISOString();
    this.deps.store.tx(() => {
      const before = this.deps.store.policies.get(unit.level, unit.code) ?? null;
      this.deps.store.policies.set(unit.level, unit.code, next, user.username, at);
      this.deps.store.audit.record({
        at,
        username: user.username,
        commune: unit.code,
        action: 'policy.set',
        target: `${unit.level}:${unit.code}`,
        before,
        after: next,
      });
    });
    this.deps.onChange(this.deps.area.communesIn(unit.level, unit.code));
    return next;
  }
}
