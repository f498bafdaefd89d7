import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { validRating } from '../../devices/fixtures/messages.ts';
import { topicFor } from '../../devices/topics.ts';
import { tempDir } from '../harness/temp.ts';
import { nodeSets, pack, startNodeRed, userDirWith, type RunningRed } from './red-process.ts';
import { publishAcked, startWorld, waitFor, type World } from './world.ts';
import { launchChromium } from '../support/chromium.ts';

/**
 * The package as an integrator installs it: `npm pack` of node-red/, `npm install <tarball> --offline` into a
 * fresh Node-RED user dir (the bundle has no dependencies: no registry needed), then a REAL Node-RED 4.1
 * (red.js) started on that user dir, checked through its admin HTTP API, its editor websocket and Chromium.
 * Also `npm install <folder>` from a checkout (npm links the folder).
 */
const PACKAGE_DIR = join(import.meta.dirname, '../../node-red');
const TYPES = [
  'thanthien-config',
  'thanthien-rating-in',
  'thanthien-device-status',
  'thanthien-announce',
  'thanthien-followup',
];

let world: World;
let red: RunningRed | undefined;
let base = '';
let dir = '';

beforeAll(async () => {
  dir = tempDir('tt-nr-install-');
  world = await startWorld(dir);
  // pack what is committed (dist/ included), as `npm publish` would, without rebuilding
  const userDir = await userDirWith(dir, 'from-tarball', await pack(PACKAGE_DIR, dir));
  red = await startNodeRed(userDir);
  base = red.base;
}, 240_000);

afterAll(async () => {
  await red?.stop();
  await world?.stop();
});

const api = async (path: string, init: RequestInit = {}) => {
  const res = await fetch(base + path, { ...init, headers: { accept: 'application/json', ...(init.headers ?? {}) } });
  return { status: res.status, text: await res.text() };
};

/** Node statuses as the editor sees them: the admin websocket, topic status/<node id> (retained). */
function watchStatuses(): { statuses: Map<string, { fill?: string; text?: string }>; close(): void } {
  const statuses = new Map<string, { fill?: string; text?: string }>();
  const ws = new WebSocket(`${base.replace('http', 'ws')}/comms`);
  ws.on('open', () => ws.send(JSON.stringify({ subscribe: 'status/#' })));
  ws.on('message', (data) => {
    const batch = JSON.parse(data.toString()) as { topic: string; data: { fill?: string; text?: string } }[];
    for (const m of [batch].flat()) if (m.topic?.startsWith('status/')) statuses.set(m.topic.slice(7), m.data);
  });
  return { statuses, close: () => ws.close() };
}

describe('installed into a stock Node-RED 4.1', () => {
  it('registers the thanthien node set with its editor and examples', async () => {
    const set = (await nodeSets(base)).find((s) => s.module === 'node-red-contrib-thanthien');
    expect(set, red?.log()).toBeDefined();
    expect(set).toMatchObject({ enabled: true, version: '0.1.0' });
    expect(set?.err).toBeUndefined();
    expect([...(set?.types ?? [])].sort()).toEqual([...TYPES].sort());
    const html = await api('/nodes', { headers: { accept: 'text/html' } });
    expect(html.text).toContain('data-template-name="thanthien-rating-in"');
    const examples = await api('/library/examples/flows/node-red-contrib-thanthien');
    expect(examples.text).toContain('01-bao-chi-so-hai-long-thap');
  });

  it('deploys a flow that uses the nodes; the rating node connects and counts a real rating', async () => {
    const example = JSON.parse(
      readFileSync(join(PACKAGE_DIR, 'examples/01-bao-chi-so-hai-long-thap.json'), 'utf8'),
    ) as { id: string; type: string }[];
    const flow = [
      { id: 'tab1', type: 'tab', label: 'Thân Thiện' },
      ...example.map((n) =>
        n.type === 'thanthien-config'
          ? {
              ...n,
              broker: world.url,
              registry: world.registryPath,
              credentials: { username: 'node-red', password: world.secrets['node-red'] },
            }
          : { ...n, z: 'tab1', ...(n.type === 'thanthien-rating-in' ? { commune: '90001' } : {}) },
      ),
      {
        id: 'st1',
        type: 'thanthien-device-status',
        z: 'tab1',
        config: 'tt-example-cfg',
        availability: true,
        alerts: true,
        wires: [[], []],
      },
      {
        id: 'an1',
        type: 'thanthien-announce',
        z: 'tab1',
        config: 'tt-example-cfg',
        mode: 'submit',
        hamlets: 'all',
        wires: [[], []],
      },
    ];
    const watch = watchStatuses();
    try {
      const deploy = await api('/flows', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'Node-RED-Deployment-Type': 'full' },
        body: JSON.stringify(flow),
      });
      expect(deploy.status, deploy.text).toBeLessThan(300);
      const deployed = JSON.parse((await api('/flows')).text) as { type: string }[];
      expect(deployed.filter((n) => TYPES.includes(n.type)).length).toBe(4);
      await waitFor(
        () => watch.statuses.get('tt-ex1-ratings')?.fill === 'green' && watch.statuses.get('st1')?.fill === 'green',
        30_000,
        'connected statuses',
      );
      const box = await world.connect('xa1-quay1-box');
      await publishAcked(
        box,
        topicFor('xa1-quay1-box', 'rating'),
        JSON.stringify({ ...validRating, id: randomUUID() }),
      );
      const counted = await waitFor(
        () =>
          watch.statuses.get('tt-ex1-ratings')?.text?.includes('1 tin')
            ? watch.statuses.get('tt-ex1-ratings')
            : undefined,
        30_000,
        'the rating counted',
      );
      expect(counted.text).toBe('đã kết nối · 1 tin');
      expect(red?.log()).not.toMatch(/Waiting for missing types/);
    } finally {
      watch.close();
    }
  }, 120_000);

  it('shows the nodes in the editor palette and opens their edit dialogs without script errors', async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      const errors: string[] = [];
      page.on('pageerror', (err) => errors.push(err.message));
      // the editor reports a broken edit dialog as a console warning, not as a page error
      page.on('console', (m) => /error occured|thanthien/i.test(m.text()) && errors.push(m.text()));
      await page.goto(base, { waitUntil: 'load' });
      await page.waitForFunction(
        () => {
          const RED = (
            window as unknown as { RED?: { nodes?: { getType(t: string): unknown; node(id: string): unknown } } }
          ).RED;
          return !!RED?.nodes?.getType('thanthien-announce') && !!RED.nodes.node('tt-ex1-ratings');
        },
        undefined,
        { timeout: 60_000 },
      );
      await page.locator('.red-ui-palette-node[data-palette-type="thanthien-rating-in"]').waitFor({ timeout: 30_000 });
      /** open a node's edit tray (as a double-click does) and wait for one of its fields */
      const edit = async (nodeId: string, field: string) => {
        await page.evaluate((id) => {
          const RED = (
            window as unknown as { RED: { editor: { edit(n: unknown): void }; nodes: { node(id: string): unknown } } }
          ).RED;
          RED.editor.edit(RED.nodes.node(id));
        }, nodeId);
        await page.locator(field).waitFor({ timeout: 30_000 });
      };
      /** close the tray (= Cancel) and wait until the field is gone */
      const cancel = async (field: string) => {
        await page.evaluate(() => (window as unknown as { RED: { tray: { close(): void } } }).RED.tray.close());
        await page.locator(field).waitFor({ state: 'detached', timeout: 30_000 });
      };
      await edit('tt-ex1-ratings', '#node-input-commune');
      expect(await page.locator('#node-input-commune').inputValue()).toBe('90001');
      await cancel('#node-input-commune');

      await edit('an1', '#node-input-mode');
      expect(await page.locator('#node-input-mode').inputValue()).toBe('submit');
      await expect(page.locator('#node-input-password').count()).resolves.toBe(1);
      await cancel('#node-input-mode');

      await page.evaluate(() => {
        const RED = (
          window as unknown as { RED: { editor: { editConfig(name: string, type: string, id: string): void } } }
        ).RED;
        RED.editor.editConfig('', 'thanthien-config', 'tt-example-cfg');
      });
      await page.locator('#node-config-input-broker').waitFor({ timeout: 30_000 });
      expect(await page.locator('#node-config-input-broker').inputValue()).toBe(world.url);
      if (process.env.TT_SCREENSHOT) await page.screenshot({ path: process.env.TT_SCREENSHOT });
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 120_000);

  it('also installs from the package folder of a checkout (npm install <path>)', async () => {
    const linked = await startNodeRed(await userDirWith(dir, 'from-folder', PACKAGE_DIR));
    try {
      const set = (await nodeSets(linked.base)).find((s) => s.module === 'node-red-contrib-thanthien');
      expect(set, linked.log()).toMatchObject({ enabled: true, version: '0.1.0' });
      expect(set?.err).toBeUndefined();
      expect(set?.types).toHaveLength(TYPES.length);
    } finally {
      await linked.stop();
    }
  }, 240_000);
});
