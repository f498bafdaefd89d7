import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openGpiodBoard } from '../../firmware-bridge/io/gpiod.ts';
import { REPO } from '../../scripts/build/build.ts';
import { tempDir } from '../harness/temp.ts';
import { waitFor } from '../harness/wait.ts';

/**
 * The libgpiod adapter (Pi 5) against a fake gpiochip: this machine has no gpio-sim (no configfs, no module
 * loading in the container), so tests/firmware-bridge/fake-gpiochip/ stands in for Debian's gpioset/gpiomon 1.6
 * with the kernel's one-holder-per-line rule.
 */
const FAKE = join(REPO, 'tests/firmware-bridge/fake-gpiochip');

describe('gpiod IO adapter', () => {
  const dir = tempDir('tt-gpiochip-');
  process.env.FAKE_GPIOCHIP_DIR = dir;
  const file = (name: string) => join(dir, name);
  const read = (name: string) => (existsSync(file(name)) ? readFileSync(file(name), 'utf8') : '');
  /** a live process holds the line (the fake chip records its pid) */
  const held = (line: string) => {
    const pid = Number(read(`${line}.holder`));
    if (!pid) return false;
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };

  it('reads a button with the pull-up through gpiomon: pressed (low) is active; garbage is ignored', async () => {
    const board = openGpiodBoard({
      chip: 'gpiochip0',
      gpiosetBin: join(FAKE, 'gpioset'),
      gpiomonBin: join(FAKE, 'gpiomon'),
    });
    const seen: boolean[] = [];
    board.input(17, { pullUp: true }).onChange((a) => seen.push(a));
    await waitFor(() => read('gpiochip0-17.mon-args'), 10_000, 'gpiomon started');
    expect(JSON.parse(read('gpiochip0-17.mon-args'))).toEqual(['--bias=pull-up', '--format=%o %e', 'gpiochip0', '17']);
    appendFileSync(file('gpiochip0-17.edges'), '0\nnot an edge\n1\n0\n');
    await waitFor(() => seen.length === 3, 10_000, 'three edges');
    expect(seen).toEqual([true, false, true]);
    const pid = Number(read('gpiochip0-17.mon-pid'));
    await board.close();
    expect(() => process.kill(pid, 0)).toThrow(); // the monitor is gone
  });

  it('drives an LED through gpioset: one holder per line, the last value wins, everything low after close', async () => {
    const board = openGpiodBoard({
      chip: 'gpiochip4',
      gpiosetBin: join(FAKE, 'gpioset'),
      gpiomonBin: join(FAKE, 'gpiomon'),
    });
    const led = board.output('GPIO27', 'led');
    led.set(true);
    expect(led.on).toBe(true);
    await waitFor(() => read('gpiochip4-27.value') === '1' && held('gpiochip4-27'), 10_000, 'LED on and held');
    // quick toggles, as the acknowledgement blink does
    led.set(false);
    led.set(true);
    led.set(false);
    led.set(true);
    await waitFor(() => read('gpiochip4-27.value') === '1' && held('gpiochip4-27'), 10_000, 'LED on again');
    expect(read('errors')).toBe(''); // never two holders of one line
    const buzzer = board.output(22, 'buzzer');
    buzzer.set(true);
    await waitFor(() => read('gpiochip4-22.value') === '1', 10_000, 'buzzer on');
    await board.close();
    expect(read('gpiochip4-27.value')).toBe('0');
    expect(read('gpiochip4-22.value')).toBe('0');
    expect(held('gpiochip4-27')).toBe(false);
    expect(held('gpiochip4-22')).toBe(false);
    expect(read('errors')).toBe('');
    led.set(true); // after close: ignored, nothing spawned
    expect(read('gpiochip4-27.value')).toBe('0');
  });

  it('refuses a pin that is not a line offset', () => {
    const board = openGpiodBoard({
      chip: 'gpiochip0',
      gpiosetBin: join(FAKE, 'gpioset'),
      gpiomonBin: join(FAKE, 'gpiomon'),
    });
    expect(() => board.output('pin-x', 'led')).toThrow(/not a line offset/);
    return board.close();
  });
});
