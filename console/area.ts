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

  /** does the registry still list districts (a three-tier province)? */
  hasDistricts(): boolean {
    return this.registry.file.provinces.some((p) => p.districts.length > 0);
  }

  provinceOf(commune: string): { code: string; name: string } | undefined {
    const p = this.registry.communes.get(commune)?.province;
    return p ? { code: p.code, name: p.name } : undefined;
  }

  districtOf(commune: string): { code: string; name: string } | undefined {
    const d = this.registry.communes.get(commune)?.district;
    return d ? { code: d.code, name: d.name } : undefined;
  }

  /** the served communes of a unit (a commune itself, a district's, a province's) */
  communesIn(level: 'commune' | 'district' | 'province', code: string): string[] {
    if (level === 'commune') return this.serves(code) ? [code] : [];
    return this.communes.filter(
      (c) => (level === 'province' ? this.provinceOf(c)?.code : this.districtOf(c)?.code) === code,
    );
  }

  /** the name of a unit, for people */
  unitName(level: 'commune' | 'district' | 'province', code: string): string {
    if (level === 'commune') return this.communeName(code);
    for (const p of this.registry.file.provinces) {
      if (level === 'province' && p.code === code) return p.name;
      for (const d of p.districts) if (level === 'district' && d.code === code) return d.name;
    }
    return code;
  }

  /** the registry entry (with its broadcastKey) of a province or district */
  upperUnit(
    level: 'district' | 'province',
    code: string,
  ): { code: string; name: string; broadcastKey?: string } | undefined {
    for (const p of this.registry.file.provinces) {
      if (level === 'province' && p.code === code) return p;
      for (const d of p.districts) if (level === 'district' && d.code === code) return d;
    }
    return undefined;
  }

  speaker(id: string): SpeakerInfo | undefined {
    const e = this.registry.device(id);
    if (e?.device.kind !== 'speaker' || !this.serves(e.commune.code)) return undefined;
    return { id, hamlet: e.device.hamlet, commune: e.commune.code };
  }
}
