import { execFileSync } from 'node:child_process';
import { open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { DossierBindingPayload } from '../../devices/contract/dossier.ts';
import { FakeClock } from '../support/fake-clock.ts';
import { nullBoard } from '../../firmware-bridge/io/null-board.ts';
import { encodeScan, ScanDecoder } from '../../firmware-bridge/rating-box/input-events.ts';
import { RatingBoxConfig, type RatingBoxConfigInput } from '../../firmware-bridge/rating-box/config.ts';
import { RatingBoxUnit, type RatedPress } from '../../firmware-bridge/rating-box/unit.ts';
import type { BridgeContext } from '../../firmware-bridge/unit.ts';
import { tempDir } from '../harness/temp.ts';
import { waitFor } from '../harness/wait.ts';
import { fakeContext, syncedTime } from '../support/bridge-context.ts';

const DOSSIER = '000.00.20.H57-251125-0001';
const root = tempDir('tt-scan-');
let n = 0;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

describe('input_event decoding', () => {
  it('reads a code typed by a scanner, in 24- and 16-byte records, across arbitrary chunk boundaries', () => {
    for (const size of [24, 16] as const) {
      const codes: string[] = [];
      const d = new ScanDecoder((c) => codes.push(c), { recordBytes: size });
      const bytes = Buffer.concat([encodeScan(DOSSIER, size), encodeScan('https://dvc.gov.vn/?ma=HS_01:A', size)]);
      for (let off = 0; off < bytes.length; off += 7) d.push(bytes.subarray(off, off + 7));
      expect(codes).toEqual([DOSSIER, 'https://dvc.gov.vn/?ma=HS_01:A']);
    }
  });

  it('drops a code containing a key it does not know, and one that is too long, without losing the next', () => {
    const codes: string[] = [];
    const d = new ScanDecoder((c) => codes.push(c), { recordBytes: 24, maxLength: 16 });
    const bad = Buffer.alloc(24);
    bad.writeUInt16LE(1, 16); // EV_KEY
    bad.writeUInt16LE(183, 18); // KEY_F13
    bad.writeInt32LE(1, 20);
    d.push(Buffer.concat([encodeScan('ab', 24).subarray(0, 48), bad, encodeScan('CD', 24)]));
    d.push(encodeScan('X'.repeat(40), 24));
    d.push(encodeScan('HS-2', 24));
    expect(codes).toEqual(['HS-2']);
    expect(d.dropped).toBe(2);
  });
});

async function setup(service: RatingBoxConfigInput['service'], dataDir = join(root, `u${n++}`)) {
  const clock = new FakeClock();
  const records: RatedPress[] = [];
  const ratings = { isFull: () => false, record: async (p: RatedPress) => void records.push(p) };
  const config = RatingBoxConfig.parse({
    buttons: { 'hai-long': 3, 'khong-hai-long': 5 },
    leds: { ack: 13 },
    buzzerPin: 8,
    lockoutMs: 3_000,
    service,
  });
  const unit = new RatingBoxUnit(config, { board: nullBoard('test'), ratings, boot: 'boot-a' });
  const { ctx } = fakeContext(clock, syncedTime, dataDir);
  const downlinks: ((msg: { ok: true; payload: DossierBindingPayload }) => void)[] = [];
  (ctx as BridgeContext).subscribe = ((channel: string, handler: never) => {
    if (channel === 'dossier') downlinks.push(handler);
  }) as BridgeContext['subscribe'];
  await unit.start(ctx);
  let stopped = false;
  const stop = async () => {
    if (!stopped) await unit.stop();
    stopped = true;
  };
  cleanups.push(stop);
  const press = (level: 'hai-long' | 'khong-hai-long' = 'hai-long') => {
    unit.press(level);
    clock.advance(3_001);
  };
  return { unit, clock, records, press, downlinks, dataDir, stop };
}

describe('rating box with a USB scanner (fake input-event device: a FIFO)', () => {
  it('binds the next rating to the scanned dossier; a second rating for it is refused and counted, also after a restart', async () => {
    const fifo = join(root, `event-${n}`);
    execFileSync('mkfifo', [fifo]);
    const box = await setup({ scanner: { device: fifo, recordBytes: 24 } });
    const writer = await open(fifo, 'w');
    cleanups.push(() => writer.close());
    await writer.write(encodeScan(DOSSIER, 24));
    await waitFor(() => box.unit.service!.bound === DOSSIER || undefined);
    box.press('khong-hai-long');
    await waitFor(() => box.records.length === 1 || undefined);
    expect(box.records[0]).toMatchObject({ dossier: DOSSIER, level: 'khong-hai-long' });

    // the next citizen rates without a dossier: works as today
    box.press();
    await waitFor(() => box.records.length === 2 || undefined);
    expect(box.records[1].dossier).toBeUndefined();

    // the same receipt scanned again: the press is refused, counted, and nothing recorded
    await writer.write(encodeScan(DOSSIER, 24));
    await waitFor(() => box.unit.service!.bound === DOSSIER || undefined);
    box.press();
    expect(box.unit.counters.rejected['dossier-used']).toBe(1);
    expect(box.unit.counters.accepted).toBe(2);
    expect(box.records).toHaveLength(2);
    await box.stop();

    // the box restarts (power cut): the rated dossier is remembered on disk
    const again = await setup({ integration: true }, box.dataDir);
    again.downlinks[0]!({
      ok: true,
      payload: { v: 1, dossier: DOSSIER, at: new Date(again.clock.now()).toISOString() },
    });
    again.press();
    expect(again.unit.counters.rejected['dossier-used']).toBe(1);
    expect(again.records).toHaveLength(0);
  });

  it('the one-stop software binds a dossier with its procedure; stale and expired bindings are not used', async () => {
    const box = await setup({ bindingTtlMs: 60_000 });
    const at = () => new Date(box.clock.now()).toISOString();
    box.downlinks[0]!({ ok: true, payload: { v: 1, dossier: 'HS-7', procedure: '1.001612', at: at() } });
    box.press();
    expect(box.records[0]).toMatchObject({ dossier: 'HS-7', procedure: '1.001612' });
    // queued for hours while the box was offline: the citizen has gone
    box.downlinks[0]!({
      ok: true,
      payload: { v: 1, dossier: 'HS-8', at: new Date(box.clock.now() - 3_600_000).toISOString() },
    });
    expect(box.unit.service!.counters.bindingsStale).toBe(1);
    // bound, but nobody rated within the binding lifetime
    box.downlinks[0]!({ ok: true, payload: { v: 1, dossier: 'HS-9', at: at() } });
    box.clock.advance(61_000);
    box.press();
    await waitFor(() => box.records.length === 2 || undefined);
    expect(box.records[1].dossier).toBeUndefined();
    expect(box.unit.service!.counters.expired).toBe(1);
  });

  it('attributes ratings to the officer whose badge was scanned, across a shift change, from a plain file of events', async () => {
    const file = join(root, `events-${n}.bin`);
    await writeFile(file, encodeScan('CB-CB01', 24));
    const box = await setup({ scanner: { device: file, recordBytes: 24, reopenMs: 100 } });
    await waitFor(() => box.unit.service!.officer === 'CB01' || undefined);
    box.press();
    await writeFile(file, Buffer.concat([encodeScan('CB-CB01', 24), encodeScan('CB-CB02', 24)]));
    box.clock.advance(200); // the reader reopens the file where it stopped
    await waitFor(() => box.unit.service!.officer === 'CB02' || undefined);
    box.press();
    // the next Vietnam day, nobody has scanned in yet
    box.clock.advance(24 * 3_600_000);
    box.press();
    await waitFor(() => box.records.length === 3 || undefined);
    expect(box.records.map((r) => r.officer)).toEqual(['CB01', 'CB02', undefined]);
  });
});
