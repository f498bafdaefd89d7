import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../harness/temp.ts';

/**
 * console/public/dist/ is committed so that a server runs no bundler. It must be what console/web/build.mjs
 * makes from the current sources (console/web/, console/api/, the plain DOM views it mounts): after changing
 * any of them, run `node console/web/build.mjs` and commit dist/.
 */
const WEB = join(import.meta.dirname, '../../console/web');
const DIST = join(import.meta.dirname, '../../console/public/dist');

describe('console/public/dist', () => {
  it('is up to date with console/web (run `node console/web/build.mjs`)', async () => {
    const { buildConsoleWeb } = (await import(join(WEB, 'build.mjs'))) as {
      buildConsoleWeb(out: string): Promise<string>;
    };
    const out = await buildConsoleWeb(tempDir('tt-web-build-'));
    for (const file of ['console.js', 'console.css']) {
      const fresh = readFileSync(join(out, file), 'utf8');
      const committed = readFileSync(join(DIST, file), 'utf8');
      expect(committed === fresh, `console/public/dist/${file} is stale: run node console/web/build.mjs`).toBe(true);
    }
  });

  it('loads nothing from outside the console (no CDN)', () => {
    const bundle = readFileSync(join(DIST, 'console.js'), 'utf8');
    expect(bundle).not.toMatch(/https?:\/\/(?!127\.0\.0\.1)[a-z0-9.-]+\.[a-z]{2,}\/[^\s"'`]*\.(js|css)\b/i);
    const html = readFileSync(join(DIST, '../index.html'), 'utf8');
    expect(
      [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]).filter((u) => /^(https?:)?\/\//.test(u!)),
    ).toEqual([]);
  });
});
