import { join } from 'node:path';
import { unitFromSection } from '../firmware-bridge/unit-catalogue.ts';
import { startVirtualBox, type VirtualBox } from './virtual-box.ts';
import type { Logger } from '../infra/logger.ts';
import type { Registry } from '../devices/registry/index.ts';
import { rng, visits } from './citizens.ts';

/**
 * A simulated commune for the embedded default: every rating box and loudspeaker of the registry runs the
 * real bridge code (outbox, link, johnny-five) on fake pins; citizens press the boxes' buttons at random,
 * realistic times; the speakers play what the console schedules through a fake audio player.
 */
export type SimulatedCommune = {
  boxes: VirtualBox[];
  speakers: VirtualBox[];
  presses(): number;
  stop(): Promise<void>;
};

export async function startSimulatedCommune(opts: {
  registry: Registry;
  secrets: Record<string, string>;
  brokerUrl: string;
  consoleUrl: string;
  /** commune code → the console's public signing key (base64 SPKI DER) */
  publicKeys: Map<string, string>;
  dataDir: string;
  log: Logger;
  /** citizens per counter per hour in the live demo */
  perHour?: number;
  seed?: number;
  /** commune code → how its citizens come and rate (demo-province.ts); default: perHour and a random quality */
  profiles?: ReadonlyMap<string, { quality: number; perHour: number }>;
  /** boxes nobody presses (a silent box, for the alerts) */
  silentBoxes?: ReadonlySet<string>;
  /** a local TCP port standing in for every registered camera (RTSP probe = TCP connect); absent: no probes */
  cameraPort?: number;
  /** the speakers' stream section (relay station keys, PCM rate): relays and live are decoded into their data folders */
  stream?: { stationKeys: string[]; rate?: number };
}): Promise<SimulatedCommune> {
  const random = rng(opts.seed ?? 2026);
  const boxes: VirtualBox[] = [];
  const boxIds: string[] = [];
  const speakers: VirtualBox[] = [];
  const timers: NodeJS.Timeout[] = [];
  let presses = 0;
  let stopped = false;
  for (const entry of opts.registry.devices.values()) {
    const { device } = entry;
    const password = opts.secrets[device.id];
    if (!password) continue;
    const dataDir = join(opts.dataDir, device.id);
    if (device.kind === 'rating-box') {
      const cameras = (entry.counter?.cameras ?? []).map((c) => ({
        ...c,
        probe: { kind: 'rtsp' as const, host: '127.0.0.1', port: opts.cameraPort ?? 554 },
      }));
      const units =
        opts.cameraPort && cameras.length ? [unitFromSection('cameras', { cameras, intervalS: 60 })] : undefined;
      boxIds.push(device.id);
      boxes.push(
        await startVirtualBox({
          deviceId: device.id,
          brokerUrl: opts.brokerUrl,
          password,
          dataDir,
          levels: device.levels,
          log: opts.log.child({ device: device.id }),
          units,
        }),
      );
    } else {
      const key = opts.publicKeys.get(entry.commune.code);
      if (!key) continue;
      // the units above the commune sign their own documents: a speaker trusts exactly those and its commune's key
      const upperKeys = [
        ...(entry.district && opts.publicKeys.get(entry.district.code)
          ? [{ level: 'district', code: entry.district.code, publicKey: opts.publicKeys.get(entry.district.code) }]
          : []),
        ...(opts.publicKeys.get(entry.province.code)
          ? [{ level: 'province', code: entry.province.code, publicKey: opts.publicKeys.get(entry.province.code) }]
          : []),
      ];
      const section = {
        commune: entry.commune.code,
        hamlet: device.hamlet,
        schedulePublicKey: key,
        upperKeys,
        consoleUrl: opts.consoleUrl,
        relayPin: 9,
        warmupMs: 500,
        player: { kind: 'fake' },
        ...(opts.stream ? { stream: opts.stream } : {}),
      };
      speakers.push(
        await startVirtualBox({
          deviceId: device.id,
          brokerUrl: opts.brokerUrl,
          password,
          dataDir,
          ratingBox: false,
          log: opts.log.child({ device: device.id }),
          units: [unitFromSection('speaker', section)],
        }),
      );
    }
  }
  // citizens: each box gets its own stream of visits, an hour at a time
  const idOf = new Map(boxes.map((b, i) => [b, boxIds[i]] as const));
  const profileOf = (box: VirtualBox) => opts.profiles?.get(opts.registry.device(idOf.get(box)!)?.commune.code ?? '');
  const quality = new Map(boxes.map((b) => [b, profileOf(b)?.quality ?? 0.3 + random() * 0.6]));
  const schedule = (box: VirtualBox, from: number) => {
    if (stopped) return;
    const counter = { openingHours: [] };
    const perHour = profileOf(box)?.perHour ?? opts.perHour ?? 30;
    const hour = visits({
      counter,
      from,
      to: from + 3600_000,
      perHour,
      quality: quality.get(box)!,
      random,
      alwaysOpen: true,
    });
    for (const v of hour) {
      timers.push(
        setTimeout(async () => {
          if (stopped) return;
          await box.press(v.level).catch(() => undefined);
          presses++;
          for (let k = 0; k < v.hammering && !stopped; k++) await box.press(v.level).catch(() => undefined); // a child at the buttons
        }, v.at - Date.now()),
      );
    }
    timers.push(setTimeout(() => schedule(box, from + 3600_000), from + 3600_000 - Date.now()));
  };
  for (const box of boxes) if (!opts.silentBoxes?.has(idOf.get(box)!)) schedule(box, Date.now());
  return {
    boxes,
    speakers,
    presses: () => presses,
    async stop() {
      stopped = true;
      timers.forEach(clearTimeout);
      await Promise.allSettled([...boxes, ...speakers].map((b) => b.stop()));
    },
  };
}
