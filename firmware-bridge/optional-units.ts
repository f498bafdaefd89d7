import type { UnitEnv, UnitFactory } from './bridge.ts';
import type { BridgeUnit } from './unit.ts';

/**
 * Units whose config section is owned by another module (speaker, camera probe). They are loaded only
 * when their section is present, so a rating box never loads audio code. Each module exports
 *   createUnit(section: unknown, env: UnitEnv): BridgeUnit | Promise<BridgeUnit>
 * which validates its own section (throwing a coded error listing paths on garbage).
 */
export const OPTIONAL_UNITS = {
  speaker: './speaker/create-unit.ts',
  cameras: './cameras/camera-probe.ts',
  update: './update/create-unit.ts',
} as const;

type UnitModule = { createUnit?: (section: unknown, env: UnitEnv) => BridgeUnit | Promise<BridgeUnit> };

export function optionalUnitFactories(sections: Partial<Record<keyof typeof OPTIONAL_UNITS, unknown>>): UnitFactory[] {
  return (Object.keys(OPTIONAL_UNITS) as (keyof typeof OPTIONAL_UNITS)[])
    .filter((key) => sections[key] !== undefined)
    .map((key) => async (env: UnitEnv) => {
      // the production build runs compiled .js beside this file: load the sibling with our own extension
      const file = import.meta.url.endsWith('.js') ? OPTIONAL_UNITS[key].replace(/\.ts$/, '.js') : OPTIONAL_UNITS[key];
      const mod = (await import(new URL(file, import.meta.url).href)) as UnitModule;
      if (typeof mod.createUnit !== 'function') throw new Error(`${OPTIONAL_UNITS[key]} does not export createUnit(section, env)`);
      return mod.createUnit(sections[key], env);
    });
}
