import type { UnitBuilder, UnitFactory } from './unit.ts';
import { parseUnitSection, type UnitKey, type UnitSection } from './unit-sections.ts';

/**
 * One factory per unit key, each loading its unit's code only when the bridge config has that section (a rating
 * box never loads audio code). The imports are typed: a wrong path or a factory that does not take its section
 * fails the compile, and the build rewrites the `.ts` paths to `.js`.
 */
export const UNIT_FACTORIES: { [K in UnitKey]: UnitFactory<UnitSection<K>> } = {
  ratingBox: async (section, env) => (await import('./rating-box/create-unit.ts')).createRatingBox(section, env),
  speaker: async (section, env) => (await import('./speaker/create-unit.ts')).createSpeaker(section, env),
  cameras: async (section) => (await import('./cameras/camera-probe.ts')).createCameraProbe(section),
  update: async (section) => (await import('./update/create-unit.ts')).createUpdateUnit(section),
};

/** The units a config asks for, in catalogue order (the rating box first), each with its section bound. */
export function configuredUnits(units: { [K in UnitKey]?: UnitSection<K> }): { key: UnitKey; build: UnitBuilder }[] {
  return (Object.keys(UNIT_FACTORIES) as UnitKey[]).flatMap((key) => {
    const section = units[key];
    if (section === undefined) return [];
    const factory = UNIT_FACTORIES[key] as UnitFactory<typeof section>;
    return [{ key, build: (env) => factory(section, env) }];
  });
}

/** A unit built from a raw section outside a config file (the simulator, tests), validated by parseUnitSection (throws). */
export function unitFromSection(key: UnitKey, raw: unknown): UnitBuilder {
  const section = parseUnitSection(key, raw);
  const factory = UNIT_FACTORIES[key] as UnitFactory<typeof section>;
  return (env) => factory(section, env);
}
