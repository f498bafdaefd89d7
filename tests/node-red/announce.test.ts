import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningConsole } from '../../console/index.ts';
import { systemClock, type Clock } from '../../infra/clock.ts';
import { freePort } from '../../infra/ports.ts';
import { tempDir } from '../harness/temp.ts';
import { helper, loadExample, loadFlow, useNodeRedServer } from './red-helper.ts';
import { startWorld, waitFor, type World } from './world.ts';
import { PASSWORD, startWorldConsole } from './world-console.ts';

/** The real console (console/) on the project broker; its clock can jump ahead to expire sessions. */
let offset = 0;
const clock: Clock = { ...systemClock, now: () => systemClock.now() + offset };
let world: World;
let consoleApp: RunningConsole;

beforeAll(async () => {
  world = await startWorld(tempDir('tt-nr-announce-'));
  consoleApp = await startWorldConsole(
    world,
    [
      { username: 'canbo1', role: 'staff', communes: ['90001'] },
      { username: 'lanhdao1', role: 'leader', communes: ['90001'] },
    ],
    clock,
  );
});
afterAll(async () => {
  await consoleApp?.close();
  await world.stop();
});
useNodeRedServer();

const year = new Date().getUTCFullYear() + 1;
const schedule = { kind: 'once', at: `${year}-03-02T07:30` };

async function announceFlow(mode: 'submit' | 'emergency', username: string, consoleUrl = consoleApp.url) {
  const flow = [
    { id: 'cfg', type: 'thanthien-config', broker: world.url, consoleUrl },
    {
      id: 'ann',
      type: 'thanthien-announce',
      config: 'cfg',
      mode,
      hamlets: 'xa1-ap1, xa1-ap2',
      priority: 'normal',
      volume: 70,
      repeats: 2,
      wires: [['ok'], ['bad']],
    },
    { id: 'ok', type: 'helper' },
    { id: 'bad', type: 'helper' },
  ];
  const creds = {
    cfg: { username: 'node-red', password: world.secrets['node-red'] },
    ann: { username, password: PASSWORD },
  };
  const r = await loadFlow(flow, creds, ['ok', 'bad'], ['ann']);
  return { ...r, send: (msg: unknown) => helper.getNode('ann').receive(msg) };
}

/** an announcement as the console answers it: the item of its envelope */
async function consoleGet(username: string, path: string): Promise<any> {
  const login = await fetch(`${consoleApp.url}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: PASSWORD }),
  });
  const { token } = (await login.json()) as { token: string };
  const res = await fetch(`${consoleApp.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  return ((await res.json()) as { announcement: unknown }).announcement;
}

describe('announce', () => {
  it('submits a staff announcement for approval, with the node defaults', async () => {
    const { received, send, last } = await announceFlow('submit', 'canbo1');
    send({ payload: { title: 'Họp dân ấp Tân Hòa', text: 'Mời bà con dự họp lúc 8 giờ sáng Chủ nhật.', schedule } });
    await waitFor(() => received.ok.length + received.bad.length >= 1, 30_000, 'answer');
    expect(received.bad).toEqual([]);
    const { id, status } = received.ok[0].payload;
    expect(status).toBe('submitted');
    const stored = await consoleGet('lanhdao1', `/api/announcements/${id}`);
    expect(stored).toMatchObject({
      status: 'submitted',
      title: 'Họp dân ấp Tân Hòa',
      hamlets: ['xa1-ap1', 'xa1-ap2'],
      repeats: 2,
      volume: 70,
      priority: 'normal',
      schedule,
    });
    expect(last('ann')?.fill).toBe('green');
  });

  it('broadcasts an emergency with a leader account', async () => {
    const { received, send } = await announceFlow('emergency', 'lanhdao1');
    send({ topic: 'Cảnh báo lũ', payload: 'Nước sông đang lên nhanh, bà con khẩn trương di dời tài sản.' });
    await waitFor(() => received.ok.length + received.bad.length >= 1, 30_000, 'answer');
    expect(received.bad).toEqual([]);
    const stored = await consoleGet('lanhdao1', `/api/announcements/${received.ok[0].payload.id}`);
    expect(stored).toMatchObject({ priority: 'emergency', title: 'Cảnh báo lũ' });
  });

  it("sends the console's refusal, in Vietnamese, to the error output", async () => {
    const { received, send, last } = await announceFlow('emergency', 'canbo1');
    send({ payload: { title: 'Khẩn', text: 'Thử phát khẩn cấp bằng tài khoản cán bộ.' } });
    await waitFor(() => received.bad.length >= 1, 30_000, 'refusal');
    expect(received.bad[0].payload).toMatchObject({ reason: 'FORBIDDEN_ROLE', status: 403 });
    expect(received.bad[0].payload.detail).toContain('không được phép');
    expect(received.ok).toEqual([]);
    expect(last('ann')?.fill).toBe('red');
  });

  it('refuses malformed input before calling the console, and a submit without a schedule', async () => {
    const { received, send } = await announceFlow('submit', 'canbo1');
    send({ payload: { text: 'Không có tiêu đề', schedule } });
    send({ payload: { title: 'Không có lịch', text: 'Nội dung' } });
    send({ payload: { title: 'Thôn lạ', text: 'Nội dung', schedule, hamlets: ['xa2-ap1'] } });
    await waitFor(() => received.bad.length >= 3, 30_000, 'refusals');
    expect(received.bad.map((m) => m.payload.reason)).toEqual([
      'input-invalid',
      'schedule-missing',
      'HAMLET_OTHER_COMMUNE',
    ]);
    expect(received.bad[0].payload.detail).toContain('title');
  });

  it('logs in again when the session expired, and reports an unreachable console', async () => {
    const { received, send } = await announceFlow('submit', 'canbo1');
    send({ payload: { title: 'Lần 1', text: 'Nội dung', schedule } });
    await waitFor(() => received.ok.length >= 1, 30_000, 'first');
    const logins = consoleApp.users.stats.loginsOk;
    offset += 13 * 3_600_000; // past the 12-hour session
    send({ payload: { title: 'Lần 2', text: 'Nội dung', schedule } });
    await waitFor(() => received.ok.length + received.bad.length >= 2, 30_000, 'second');
    expect(received.bad).toEqual([]);
    expect(received.ok[1].payload.status).toBe('submitted');
    expect(consoleApp.users.stats.loginsOk).toBe(logins + 1); // the node logged in again, once

    await helper.unload();
    const dead = await announceFlow('submit', 'canbo1', `http://127.0.0.1:${await freePort()}`);
    dead.send({ payload: { title: 'x', text: 'y', schedule } });
    await waitFor(() => dead.received.bad.length >= 1, 30_000, 'unreachable');
    expect(dead.received.bad[0].payload.reason).toBe('console-unreachable');
  });

  it('runs the shipped example 03: a weekly announcement for approval and an emergency broadcast', async () => {
    const got = await loadExample(
      '03-gui-thong-bao.json',
      (n) => (n.type === 'thanthien-config' ? { ...n, broker: world.url, consoleUrl: consoleApp.url } : n),
      {
        'tt-example-cfg': { username: 'node-red', password: world.secrets['node-red'] },
        'tt-ex3-submit': { username: 'canbo1', password: PASSWORD },
        'tt-ex3-emergency': { username: 'lanhdao1', password: PASSWORD },
      },
    );
    helper.getNode('tt-ex3-inject').receive({});
    await waitFor(() => got['tt-ex3-ok'].length + got['tt-ex3-error'].length >= 1, 30_000, 'the weekly announcement');
    helper.getNode('tt-ex3-inject2').receive({});
    await waitFor(() => got['tt-ex3-ok'].length + got['tt-ex3-error'].length >= 2, 30_000, 'the emergency');
    expect(got['tt-ex3-error']).toEqual([]);
    const [weekly, emergency] = await Promise.all(
      got['tt-ex3-ok'].map((m) => consoleGet('lanhdao1', `/api/announcements/${m.payload.id}`)),
    );
    expect(weekly).toMatchObject({
      status: 'submitted',
      title: 'Lịch tiêm chủng tháng này',
      schedule: { kind: 'weekly', weekdays: [7], time: '18:00' },
      repeats: 2,
    });
    expect(emergency).toMatchObject({ priority: 'emergency', title: 'Cảnh báo lũ khẩn cấp' });
  });
});
