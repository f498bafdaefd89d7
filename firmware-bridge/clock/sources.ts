import { execFile } from 'node:child_process';
import { access } from 'node:fs/promises';

/**
 * Ways to learn whether the Pi's wall clock has been set from a trusted source. A Pi has no RTC:
 * it boots at 1970 or at the time fake-hwclock saved at shutdown, so only an explicit "synced"
 * signal makes the clock trustworthy.
 */
export interface TimeSource {
  readonly name: string;
  /** never throws: an unreadable source simply says "not synced" */
  synced(): Promise<boolean>;
}

/** systemd-timesyncd touches this file once it has synchronised the clock (since systemd 239). */
export function timesyncdSource(path = '/run/systemd/timesync/synchronized'): TimeSource {
  return {
    name: 'timesyncd',
    synced: () =>
      access(path).then(
        () => true,
        () => false,
      ),
  };
}

/** `timedatectl show -p NTPSynchronized --value` prints "yes" once any NTP client (chrony too) has synced. */
export function timedatectlSource(bin = 'timedatectl', timeoutMs = 5_000): TimeSource {
  return {
    name: 'timedatectl',
    synced: () =>
      new Promise((resolve) => {
        execFile(bin, ['show', '-p', 'NTPSynchronized', '--value'], { timeout: timeoutMs }, (err, stdout) => {
          resolve(!err && /^(yes|NTPSynchronized=yes)$/m.test(String(stdout).trim()));
        });
      }),
  };
}

/** A battery-backed RTC (e.g. DS3231 on the Pi's I2C) declared in the config: the clock is right from boot. */
export function rtcSource(present: boolean): TimeSource {
  return { name: 'rtc', synced: async () => present };
}

/** For tests and the simulator: flip `value` to simulate NTP syncing. */
export class FakeTimeSource implements TimeSource {
  readonly name = 'fake';
  constructor(public value = false) {}
  async synced(): Promise<boolean> {
    return this.value;
  }
}
