import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { GENERATED_DIR, renderDashboards } from '../../dashboards/build.ts';
import { DATASOURCE } from '../../dashboards/influx-query.ts';

const MACROS = new Set(['timeFilter', '__interval', '__from', '__to']);
const PROVISIONING = join(GENERATED_DIR, '..', 'provisioning');

describe('generated dashboards', () => {
  const fresh = renderDashboards();

  it('the committed JSON equals a fresh build (run `npm run dashboards` after editing dashboards/)', () => {
    expect(
      readdirSync(GENERATED_DIR)
        .filter((f) => f.endsWith('.json'))
        .sort(),
    ).toEqual(Object.keys(fresh).sort());
    for (const [file, text] of Object.entries(fresh)) {
      expect(readFileSync(join(GENERATED_DIR, file), 'utf8'), `${file} is out of date`).toBe(text);
    }
  });

  for (const [file, text] of Object.entries(fresh)) {
    it(`${file} is structurally valid`, () => {
      const d = JSON.parse(text);
      expect(d.uid).toMatch(/^tt-[a-z-]+$/);
      expect(d.title.length).toBeGreaterThan(3);
      expect(d.timezone).toBe('Asia/Ho_Chi_Minh');
      const vars = new Set<string>(d.templating.list.map((v: { name: string }) => v.name));
      for (const v of ['province', 'district']) expect(vars).toContain(v);
      const ids = d.panels.map((p: { id: number }) => p.id);
      expect(new Set(ids).size).toBe(ids.length);
      const cells = new Set<string>();
      for (const p of d.panels) {
        expect(Number.isInteger(p.id) && p.id > 0, `panel "${p.title}" needs an id`).toBe(true);
        expect(p.datasource).toEqual(DATASOURCE);
        const { x, y, w, h } = p.gridPos;
        expect(x + w).toBeLessThanOrEqual(24);
        for (let i = x; i < x + w; i++)
          for (let j = y; j < y + h; j++) {
            expect(cells.has(`${i},${j}`), `panel ${p.id} overlaps another`).toBe(false);
            cells.add(`${i},${j}`);
          }
        if (p.type === 'timeseries' || p.type === 'barchart') expect(p.options.legend.showLegend).toBe(true);
        expect(p.targets.length).toBeGreaterThan(0);
        expect(new Set(p.targets.map((t: { refId: string }) => t.refId)).size).toBe(p.targets.length);
        for (const t of p.targets) {
          expect(t).toMatchObject({ rawQuery: true, datasource: DATASOURCE });
          expect(['time_series', 'table']).toContain(t.resultFormat);
          for (const [, a, b] of t.query.matchAll(/\$(?:\{(\w+)\}|(\w+))/g)) {
            const name = a ?? b;
            expect(MACROS.has(name) || vars.has(name), `panel ${p.id} uses unknown variable $${name}`).toBe(true);
          }
        }
      }
    });
  }

  it('provisioning points Grafana at the same datasource uid and at the generated folder', () => {
    const ds = parse(readFileSync(join(PROVISIONING, 'datasources', 'influxdb.yaml'), 'utf8'));
    expect(ds.apiVersion).toBe(1);
    expect(ds.datasources[0]).toMatchObject({ uid: DATASOURCE.uid, type: 'influxdb', access: 'proxy' });
    expect(ds.datasources[0].jsonData.version).toBe('InfluxQL');
    const pv = parse(readFileSync(join(PROVISIONING, 'dashboards', 'provider.yaml'), 'utf8'));
    expect(pv.providers[0]).toMatchObject({ type: 'file', options: { path: '${THANTHIEN_DASHBOARDS}' } });
  });
});
