import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../harness/temp.ts';

/**
 * node-red/dist/ is committed so that `npm install <path to node-red/>` works from a plain checkout.
 * It must be what build.mjs makes from the current sources (node-red/src + the devices/ contract):
 * after changing either, run `node node-red/build.mjs` and commit dist/.
 */
const PACKAGE_DIR = join(import.meta.dirname, '../../node-red');

describe('node-red/dist', () => {
  it('is up to date with node-red/src and the devices/ contract (run `node node-red/build.mjs`)', async () => {
    const { buildNodeRed } = (await import(join(PACKAGE_DIR, 'build.mjs'))) as {
      buildNodeRed(out: string): Promise<string>;
    };
    const out = await buildNodeRed(tempDir('tt-nr-build-'));
    for (const file of ['thanthien.js', 'thanthien.html']) {
      const fresh = readFileSync(join(out, file), 'utf8');
      const committed = readFileSync(join(PACKAGE_DIR, 'dist', file), 'utf8');
      expect(committed === fresh, `node-red/dist/${file} is stale: run node node-red/build.mjs`).toBe(true);
    }
  });

  it('has no runtime dependency outside Node itself', () => {
    const pkg = JSON.parse(readFileSync(join(PACKAGE_DIR, 'package.json'), 'utf8'));
    expect(pkg.dependencies ?? {}).toEqual({});
    expect(pkg['node-red'].nodes).toEqual({ thanthien: 'dist/thanthien.js' });
    const bundle = readFileSync(join(PACKAGE_DIR, 'dist/thanthien.js'), 'utf8');
    const required = new Set([...bundle.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1].replace(/^node:/, '')));
    // ws probes these optional native add-ons inside try/catch; everything else must be a Node built-in
    const optional = new Set(['bufferutil', 'utf-8-validate']);
    expect([...required].filter((r) => !builtinModules.includes(r) && !optional.has(r))).toEqual([]);
  });
});
