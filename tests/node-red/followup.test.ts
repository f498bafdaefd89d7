import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FollowupStore } from '../../console/followup/store.ts';
import type { RunningConsole } from '../../console/index.ts';
import { tempDir } from '../harness/temp.ts';
import { helper, loadFlow, useNodeRedServer } from './red-helper.ts';
import { startWorld, waitFor, type World } from './world.ts';
import { PASSWORD, startWorldConsole } from './world-console.ts';

let world: World;
let consoleApp: RunningConsole;
let cases: FollowupStore;

beforeAll(async () => {
  world = await startWorld(tempDir('tt-nr-followup-'));
  consoleApp = await startWorldConsole(world, [{ username: 'lanhdao1', role: 'leader', communes: ['90001'] }]);
  cases = new FollowupStore(consoleApp.store.db);
});
afterAll(async () => {
  await consoleApp?.close();
  await world.stop();
});
useNodeRedServer();

const openCase = (source: string) =>
  cases.open({
    commune: '90001',
    kind: 'rating',
    source,
    counter: 'xa1-quay1',
    device: 'xa1-quay1-box',
    dossier: 'HS-1',
    officer: 'CB01',
    ratedAt: Date.now(),
    openedAt: Date.now(),
    dueAt: Date.now() + 86_400_000,
    deadlineError: null,
  });

describe('followup node', () => {
  it('sends each new follow-up event once, in order, without the officer, starting after the latest at deploy', async () => {
    openCase('rating:old'); // before the flow is deployed: not resent
    const flow = [
      { id: 'cfg', type: 'thanthien-config', broker: world.url, consoleUrl: consoleApp.url },
      { id: 'fu', type: 'thanthien-followup', config: 'cfg', intervalS: 1, wires: [['out']] },
      { id: 'out', type: 'helper' },
    ];
    const { received, last } = await loadFlow(
      flow,
      {
        cfg: { username: 'node-red', password: world.secrets['node-red'] },
        fu: { username: 'lanhdao1', password: PASSWORD },
      },
      ['out'],
      ['fu'],
    );
    await waitFor(() => last('fu')?.fill === 'green', 30_000, 'first poll');
    const row = openCase('rating:new')!;
    await waitFor(() => received.out.length >= 1, 30_000, 'event');
    expect(received.out).toHaveLength(1);
    expect(received.out[0].topic).toBe('followup/opened');
    expect(received.out[0].payload).toMatchObject({
      kind: 'opened',
      caseId: row.id,
      case: { dossier: 'HS-1', counter: 'xa1-quay1' },
    });
    expect(received.out[0].payload.case.officer).toBeUndefined();
    expect(helper.getNode('fu')).toBeTruthy();
  });
});
