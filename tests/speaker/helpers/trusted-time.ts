import type { TrustedTime } from '../../../firmware-bridge/unit.ts';

/** TrustedTime the test switches on and off. */
export class FakeTrustedTime implements TrustedTime {
  private waiters: (() => void)[] = [];
  constructor(private isSynced: boolean) {}
  synced(): boolean {
    return this.isSynced;
  }
  whenSynced(): Promise<void> {
    return this.isSynced ? Promise.resolve() : new Promise((r) => this.waiters.push(r));
  }
  setSynced(v: boolean): void {
    this.isSynced = v;
    if (v) for (const w of this.waiters.splice(0)) w();
  }
}
