import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { broadcastsDashboard } from './broadcasts.ts';
import { communeDashboard } from './commune.ts';
import { devicesDashboard } from './devices.ts';
import { overviewDashboard } from './overview.ts';

/** Dashboards as code: `npm run dashboards` writes dashboards/generated/*.json (committed; a test compares). */
export const GENERATED_DIR = join(dirname(fileURLToPath(import.meta.url)), 'generated');

export const DASHBOARDS = {
  'satisfaction-overview': overviewDashboard,
  commune: communeDashboard,
  devices: devicesDashboard,
  broadcasts: broadcastsDashboard,
} as const;

/** file name → JSON text (stable: 2-space indent, trailing newline) */
export function renderDashboards(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(DASHBOARDS).map(([name, make]) => [`${name}.json`, `${JSON.stringify(make().build(), null, 2)}\n`]),
  );
}

export function writeDashboards(dir = GENERATED_DIR): string[] {
  mkdirSync(dir, { recursive: true });
  const files = renderDashboards();
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  return Object.keys(files);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  for (const f of writeDashboards()) console.log(`dashboards/generated/${f}`);
}
