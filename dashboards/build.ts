import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { broadcastsDashboard } from './broadcasts.ts';
import { communeDashboard } from './commune.ts';
import { devicesDashboard } from './devices.ts';
import { overviewDashboard } from './overview.ts';
import { demoUnitNames, unitNamesOf, type UnitNames } from './units.ts';
import { loadRegistry } from '../devices/registry/index.ts';

/**
 * Dashboards as code: `npm run dashboards` writes dashboards/generated/*.json (committed; a test compares), with
 * the unit names of the embedded default's province; `npm run dashboards -- --registry registry.yaml --out dir`
 * builds a deployment's own, named after its registry (units.ts).
 */
export const GENERATED_DIR = join(dirname(fileURLToPath(import.meta.url)), 'generated');

export const DASHBOARDS = {
  'satisfaction-overview': overviewDashboard,
  commune: communeDashboard,
  devices: devicesDashboard,
  broadcasts: broadcastsDashboard,
} as const;

/** file name → JSON text (stable: 2-space indent, trailing newline) */
export function renderDashboards(units: UnitNames = demoUnitNames()): Record<string, string> {
  return Object.fromEntries(
    Object.entries(DASHBOARDS).map(([name, make]) => [
      `${name}.json`,
      `${JSON.stringify(make(units).build(), null, 2)}\n`,
    ]),
  );
}

export function writeDashboards(dir = GENERATED_DIR, units?: UnitNames): string[] {
  mkdirSync(dir, { recursive: true });
  const files = renderDashboards(units);
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  return Object.keys(files);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  const { values } = parseArgs({ options: { registry: { type: 'string' }, out: { type: 'string' } } });
  const dir = values.out ?? GENERATED_DIR;
  for (const f of writeDashboards(dir, values.registry ? unitNamesOf(loadRegistry(values.registry).file) : undefined))
    console.log(join(dir, f));
}
