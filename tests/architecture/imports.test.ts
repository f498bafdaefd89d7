import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cruise, type ICruiseOptions, type IViolation } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * The layering of .dependency-cruiser.cjs (infra ← contract ← services ← views ← tools, services apart from
 * one another, no file cycles) holds for the whole tree, and the rules really catch a wrong-way import and
 * a cycle (checked on a small tree made here, so a rule that matches nothing cannot pass for a rule that holds).
 */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CONFIG = join(ROOT, '.dependency-cruiser.cjs');

const SOURCE = /\.(ts|mts|mjs|js|cjs)$/;
/** top-level folders holding source files, from git (generated bundles aside) */
function sourceFolders(): string[] {
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
    cwd: ROOT,
    encoding: 'utf8',
  }).split('\n');
  const dirs = files
    .filter((f) => SOURCE.test(f) && f.includes('/') && !f.startsWith('.') && !/(^|\/)(dist|generated)\//.test(f))
    .map((f) => f.split('/')[0]);
  return [...new Set(dirs)].sort();
}

/** The rules of .dependency-cruiser.cjs over `folders` of the tree at `baseDir` (its tsconfig.json when it has one). */
async function violations(baseDir: string, folders: string[], withTsConfig: boolean): Promise<IViolation[]> {
  const { tsConfig: _, ...rest } = await extractDepcruiseOptions(CONFIG);
  const tsConfig = join(baseDir, 'tsconfig.json');
  const options: ICruiseOptions = withTsConfig
    ? { ...rest, baseDir, tsConfig: { fileName: tsConfig } }
    : { ...rest, baseDir };
  const { output } = await cruise(folders, options, {}, withTsConfig ? { tsConfig: extractTSConfig(tsConfig) } : {});
  if (typeof output === 'string') throw new Error(output);
  return output.summary.violations;
}

const describeViolation = (v: IViolation) =>
  `${v.rule.name}: ${v.from} → ${v.to}${v.cycle ? ` (cycle: ${v.cycle.map((c) => c.name).join(' → ')})` : ''}`;

describe('import direction and file cycles', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'tt-arch-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('every source folder belongs to a layer of the rules', async () => {
    const { ruleSet } = await extractDepcruiseOptions(CONFIG);
    const rules = (ruleSet?.forbidden ?? []) as {
      from?: { path?: string | string[] };
      to?: { path?: string | string[] };
    }[];
    const paths = rules
      .flatMap((r) => [r.from?.path, r.to?.path])
      .flat()
      .filter((p): p is string => typeof p === 'string');
    const unplaced = sourceFolders().filter((d) => !paths.some((p) => new RegExp(p).test(`${d}/x.ts`)));
    expect(unplaced).toEqual([]);
  });

  it('tsconfig.json typechecks every TypeScript file of the tree', () => {
    const checked = new Set(extractTSConfig(join(ROOT, 'tsconfig.json')).fileNames.map((f) => resolve(f)));
    const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
      cwd: ROOT,
      encoding: 'utf8',
    }).split('\n');
    const missing = files.filter(
      (f) => /\.(ts|mts)$/.test(f) && !f.endsWith('.d.ts') && !checked.has(resolve(ROOT, f)),
    );
    expect(missing).toEqual([]);
  });

  it('the rules catch an import that goes the wrong way and a file cycle', async () => {
    const write = (path: string, text: string) => {
      mkdirSync(dirname(join(tmp, path)), { recursive: true });
      writeFileSync(join(tmp, path), text);
    };
    write('infra/clock.ts', 'export const now = () => 0;\n');
    write(
      'devices/topic.ts',
      "import { now } from '../infra/clock.ts';\nimport { spool } from '../collector/spool.ts';\nexport const t = now() + spool;\n",
    );
    write(
      'collector/spool.ts',
      "import { t } from '../devices/topic.ts';\nimport { a } from './a.ts';\nexport const spool = a;\nexport const u = t;\n",
    );
    write('collector/a.ts', "import { b } from './b.ts';\nexport const a = 1;\nexport const c = b;\n");
    write('collector/b.ts', "import { a } from './a.ts';\nexport const b = a;\n");
    write(
      'console/routes.ts',
      "import { spool } from '../collector/spool.ts';\nimport { x } from '../dashboards/x.ts';\nexport const r = spool + x;\n",
    );
    write('dashboards/x.ts', "import { demo } from '../simulator/demo.ts';\nexport const x = demo;\n");
    write(
      'simulator/demo.ts',
      "import { r } from '../console/routes.ts';\nexport const demo = 1;\nexport const q = r;\n",
    );
    const found = (
      await violations(tmp, ['infra', 'devices', 'collector', 'console', 'dashboards', 'simulator'], false)
    ).map(describeViolation);
    expect(found).toEqual(
      expect.arrayContaining([
        'contract-imports-no-layer-above: devices/topic.ts → collector/spool.ts',
        'services-import-no-other-service: console/routes.ts → collector/spool.ts',
        'services-imports-no-layer-above: console/routes.ts → dashboards/x.ts',
        'views-imports-no-layer-above: dashboards/x.ts → simulator/demo.ts',
      ]),
    );
    expect(
      found.some((v) => v.startsWith('no-circular:') && v.includes('collector/a.ts') && v.includes('collector/b.ts')),
    ).toBe(true);
    expect(
      found.some(
        (v) => v.startsWith('no-circular:') && v.includes('devices/topic.ts') && v.includes('collector/spool.ts'),
      ),
    ).toBe(true);
    // what the layering allows is not reported: devices → infra, collector → devices, within a service, simulator → console
    const allowed =
      /infra\/clock|→ devices\/topic\.ts$|collector\/spool\.ts → collector\/a\.ts|simulator\/demo\.ts → console/;
    expect(found.filter((v) => allowed.test(v) && !v.startsWith('no-circular'))).toEqual([]);
  });

  it('holds for the whole tree: no import goes the wrong way, no file cycle', async () => {
    const found = await violations(ROOT, sourceFolders(), true);
    expect(found.map(describeViolation)).toEqual([]);
  }, 120_000);
});
