import type { GpioBoard } from './io.ts';

/**
 * Stands in when the real board cannot be opened (Arduino unplugged, wrong port): the core keeps running
 * so the outbox still drains and the state still reports, while main.ts schedules a restart to retry.
 */
export function nullBoard(reason: string): GpioBoard {
  return {
    name: `null (${reason})`,
    input: (pin) => ({ pin, onChange: () => undefined }),
    output: (pin, kind) => ({ pin, kind, on: false, set: () => undefined }),
    close: async () => undefined,
  };
}
