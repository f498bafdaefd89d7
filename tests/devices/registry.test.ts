import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { hashPassword, verifyPassword } from '../../devices/credentials.ts';
import { loadRegistry, parseRegistry, RegistryError, repeatsAKey } from '../../devices/registry/index.ts';
import { RegistryFileEditor } from '../../console/provisioning/registry-file.ts';
import { demoRegistry } from '../../simulator/demo-registry.ts';
import { tempDir } from '../harness/temp.ts';

const CHEAP = { N: 1024, r: 8, p: 1 };

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(RegistryError);
    return (err as RegistryError).problems;
  }
  throw new Error('expected a RegistryError');
}

describe('registry', () => {
  it('loads a two-tier and a three-tier province and indexes devices with their tags', async () => {
    const two = await demoRegistry({ cost: CHEAP });
    const three = await demoRegistry({ cost: CHEAP, withDistrict: true });
    const r2 = parseRegistry(two.yaml);
    const r3 = parseRegistry(three.yaml);
    const box2 = r2.device('xa1-quay1-box')!;
    const box3 = r3.device('xa1-quay1-box')!;
    expect(r2.deviceTags(box2)).toEqual({
      province: '99',
      commune: '90001',
      device: 'xa1-quay1-box',
      kind: 'rating-box',
      counter: 'xa1-quay1',
    });
    expect(r3.deviceTags(box3)).toEqual({
      province: '99',
      district: '999',
      commune: '90001',
      device: 'xa1-quay1-box',
      kind: 'rating-box',
      counter: 'xa1-quay1',
    });
    expect(r2.deviceTags(r2.device('xa1-ap2-loa')!).hamlet).toBe('xa1-ap2');
    expect(r2.cameras.get('xa1-cam1')?.counter.id).toBe('xa1-quay1');
  });

  it('reports every schema problem with its path', () => {
    const list = problems(() =>
      parseRegistry(`
version: 1
provinces:
  - code: "9"
    name: Tỉnh
    communes:
      - code: "123"
        id: "Xã A"
        name: ""
        devices:
          - { id: box, kind: toaster, passwordHash: x }
`),
    );
    expect(list.some((p) => p.startsWith('provinces.0.code'))).toBe(true);
    expect(list.some((p) => p.startsWith('provinces.0.communes.0.code'))).toBe(true);
    expect(list.some((p) => p.startsWith('provinces.0.communes.0.id'))).toBe(true);
    expect(list.some((p) => p.startsWith('provinces.0.communes.0.name'))).toBe(true);
    expect(list.some((p) => p.startsWith('provinces.0.communes.0.devices.0'))).toBe(true);
  });

  it('reports duplicates and dangling references with their paths', async () => {
    const { file } = await demoRegistry({ cost: CHEAP, communes: 2 });
    const c0 = file.provinces[0].communes[0];
    const c1 = file.provinces[0].communes[1];
    c1.devices[0].id = c0.devices[0].id;
    c1.code = c0.code;
    (c0.devices[0] as { counter: string }).counter = 'khong-co';
    const list = problems(() => parseRegistry(JSON.stringify(file)));
    expect(list).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^provinces\.0\.communes\.1\.code: .*trùng/),
        expect.stringMatching(/^provinces\.0\.communes\.1\.devices\.0\.id: .*trùng/),
        expect.stringMatching(/^provinces\.0\.communes\.0\.devices\.0\.counter: .*khong-co/),
      ]),
    );
  });

  it('reads a registry kept as JSON as the same registry; YAML flow that is not strict JSON still goes to YAML', async () => {
    const { yaml } = await demoRegistry({ cost: CHEAP });
    const fromYaml = parseRegistry(yaml);
    const json = JSON.stringify(parseYaml(yaml), null, 2);
    expect(parseRegistry(`\n  ${json}`).file).toEqual(fromYaml.file);
    // a flow mapping with unquoted keys is YAML, not JSON
    const flow = `{${json
      .trim()
      .slice(1)
      .replace(/"(\w+)":/g, '$1:')}`;
    expect(() => JSON.parse(flow)).toThrow();
    expect(parseRegistry(flow).file).toEqual(fromYaml.file);
    // broken JSON is reported by the YAML parser, with its position
    expect(problems(() => parseRegistry('{"version": 1, "provinces": [')).join()).toMatch(/YAML\/JSON.*line/s);
  });

  it('refuses a JSON registry with a key repeated in one object, with its line, where JSON.parse would keep the last', async () => {
    const { yaml } = await demoRegistry({ cost: CHEAP });
    const json = JSON.stringify(parseYaml(yaml), null, 2);
    // a hand edit: a device's kind written twice, the second one wrong
    const repeated = json.replace(/("kind": "rating-box",)/, '$1\n          "kind": "loudspeaker",');
    expect(repeated).not.toBe(json);
    expect(() => JSON.parse(repeated)).not.toThrow();
    expect(problems(() => parseRegistry(repeated)).join()).toMatch(/YAML\/JSON.*unique.*line \d+/s);
    // keys and colons inside string values are no keys: such a registry is still read as JSON
    const tricky = json.replace(/"name": "([^"]*)"/, '"name": "$1 \\"kind\\": x {\\"a\\":1}"');
    expect(tricky).not.toBe(json);
    expect([repeatsAKey(tricky, JSON.parse(tricky)), repeatsAKey(repeated, JSON.parse(repeated))]).toEqual([
      false,
      true,
    ]);
    expect(
      repeatsAKey('{"a": {"b": 1, "c": [{"b": 2}]}, "b": "\\"a\\": "}', { a: { b: 1, c: [{ b: 2 }] }, b: '"a": ' }),
    ).toBe(false);
    expect(parseRegistry(tricky).file).toEqual(parseRegistry(JSON.stringify(JSON.parse(tricky))).file);
  });

  it("the console's claim edit keeps a JSON registry JSON (and a YAML one YAML)", async () => {
    const { yaml } = await demoRegistry({ cost: CHEAP });
    const dir = tempDir();
    for (const [name, text] of [
      ['registry.json', JSON.stringify(parseYaml(yaml))],
      ['registry.yaml', yaml],
    ] as const) {
      const path = join(dir, name);
      writeFileSync(path, text);
      const editor = new RegistryFileEditor(path);
      const box = editor.read().device('xa1-quay1-box')!.device;
      const after = editor.addDevice('90001', { ...box, id: 'xa1-quay1-box-2' });
      expect(after.device('xa1-quay1-box-2')?.commune.code).toBe('90001');
      const written = readFileSync(path, 'utf8');
      if (name.endsWith('.json')) expect(JSON.parse(written).provinces).toBeDefined();
      else expect(() => JSON.parse(written)).toThrow();
      expect(loadRegistry(path).device('xa1-quay1-box-2')).toBeDefined();
    }
  });

  it('reports unreadable files and garbage clearly', () => {
    const dir = tempDir();
    expect(problems(() => loadRegistry(join(dir, 'missing.yaml')))[0]).toMatch(/ENOENT/);
    writeFileSync(join(dir, 'bad.yaml'), 'version: [1\n  : :');
    expect(problems(() => loadRegistry(join(dir, 'bad.yaml')))[0]).toMatch(/YAML/);
    writeFileSync(join(dir, 'empty.yaml'), '');
    expect(problems(() => loadRegistry(join(dir, 'empty.yaml'))).length).toBeGreaterThan(0);
  });
});

describe('credentials', () => {
  it('verifies the right password only', async () => {
    const hash = await hashPassword('mật-khẩu-đúng', CHEAP);
    expect(await verifyPassword('mật-khẩu-đúng', hash)).toBe(true);
    expect(await verifyPassword('sai', hash)).toBe(false);
    expect(await verifyPassword('mật-khẩu-đúng', 'plaintext')).toBe(false);
  });
});
