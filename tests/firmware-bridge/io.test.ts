import { describe, expect, it } from 'vitest';
import { FakeIO } from '../../firmware-bridge/io/fake-io.ts';
import { openJohnnyFiveBoard, openRaspiBoard } from '../../firmware-bridge/io/johnny-five.ts';
import { waitFor } from './helpers.ts';

describe('johnny-five adapter over the fake IO plugin', () => {
  it('enables the pull-up, reports pressed on LOW, drives LED / buzzer / relay pins, and turns them off on close', async () => {
    const io = new FakeIO();
    const board = await openJohnnyFiveBoard({ io, timeoutMs: 20_000 });
    const input = board.input(2, { pullUp: true });
    expect(io.level(2)).toBe(1); // pull-up written HIGH: idle
    const seen: boolean[] = [];
    input.onChange((active) => seen.push(active));
    io.setLevel(2, 0);
    await waitFor(() => seen.length === 1, 20_000, 'down');
    io.setLevel(2, 1);
    await waitFor(() => seen.length === 2, 20_000, 'up');
    expect(seen).toEqual([true, false]);

    const led = board.output(13, 'led');
    const relay = board.output(9, 'relay');
    led.set(true);
    relay.set(true);
    expect([io.level(13), io.level(9), led.on, relay.on]).toEqual([1, 1, true, true]);
    relay.set(false);
    expect(io.level(9)).toBe(0);
    await board.close();
    expect(io.level(13)).toBe(0);
  });

  it('explains that raspi-io is missing with a coded error', async () => {
    await expect(openRaspiBoard(1_000)).rejects.toMatchObject({ code: 'BRIDGE_IO_PLUGIN_MISSING' });
  });
});
