import type { Hamlet, Registry } from '../devices/registry/index.ts';

export type SpeakerInfo = { id: string; hamlet: string; commune: string };

/** The part of the registry the console serves: its communes, their hamlets and speakers. */
export class Area {
  readonly communes: string[];

  constructor(
    readonly registry: Registry,
    communes?: string[],
  ) {
    this.communes = communes ?? [...registry.communes.keys()];
    for (const code of this.communes) {
      if (!registry.communes.has(code)) throw new Error(`commune ${code} is not in the registry`);
    }
  }

  serves(commune: string): boolean {
    return this.communes.includes(commune);
  }

  communeName(code: string): string {
    return this.registry.communes.get(code)?.commune.name ?? code;
  }

  hamlets(commune: string): Hamlet[] {
    return this.registry.communes.get(commune)?.commune.hamlets ?? [];
  }

  /** the commune (any in the registry) a hamlet id belongs to */
  communeOfHamlet(hamlet: string): string | undefined {
    for (const [code, p] of this.registry.communes) if (p.commune.hamlets.some((h) => h.id === hamlet)) return code;
    return undefined;
  }

  speakers(commune: string): SpeakerInfo[] {
    const c = this.registry.communes.get(commune)?.commune;
    if (!c) return [];
    return c.devices.flatMap((d) => (d.kind === 'speaker' ? [{ id: d.id, hamlet: d.hamlet, commune }] : []));
  }

  speaker(id: string): SpeakerInfo | undefined {
    const e = this.registry.device(id);
    if (!e || e.device.kind !== 'speaker' || !this.serves(e.commune.code)) return undefined;
    return { id, hamlet: e.device.hamlet, commune: e.commune.code };
  }
}
