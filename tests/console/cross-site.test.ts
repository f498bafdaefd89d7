import { createServer, type Server } from 'node:http';
import type { Browser } from 'playwright-core';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleEnv, nextYear, PASSWORD, type Env } from './helpers.ts';
import { launchChromium, signIn } from '../support/chromium.ts';

let env: Env;
let browser: Browser;
let evil: Server;
let evilUrl: string;
let staff: string, leader: string;
const forms: Record<string, string> = {};

const draft = () => ({
  title: 'Họp tổ dân phố',
  text: 'Mời bà con dự họp tổ dân phố tối thứ Bảy.',
  hamlets: ['xa1-ap1'],
  schedule: { kind: 'once', at: `${nextYear()}-05-10T19:00` },
});

async function submitted(): Promise<string> {
  const created = await env.api(staff, 'POST', '/api/announcements', draft());
  await env.api(staff, 'POST', `/api/announcements/${created.body.id}/submit`);
  return created.body.id;
}

beforeAll(async () => {
  // live configured (no icecast is reached: nothing is spoken into the feed here) for the WebSocket checks
  env = await consoleEnv({ live: { icecastUrl: 'http://127.0.0.1:9', sourcePassword: 'nguon-truc-tiep' } });
  [staff, leader] = await Promise.all([env.login('canbo1'), env.login('lanhdao1')]);
  // a page on another port of the same host (same site for SameSite cookies): it auto-submits a form
  evil = createServer((req, res) => {
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.end(forms[req.url ?? ''] ?? 'không có');
  });
  await new Promise<void>((r) => evil.listen(0, '127.0.0.1', r));
  evilUrl = `http://127.0.0.1:${(evil.address() as { port: number }).port}`;
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((r) => evil?.close(r));
});

describe('cross-site requests', () => {
  it('an auto-submitting form from another port does not approve, whatever its encoding', async () => {
    const page = await browser.newPage();
    await page.goto(env.console.url);
    await signIn(page, 'lanhdao1', PASSWORD);
    for (const enctype of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data']) {
      const id = await submitted();
      forms[`/${id}`] =
        `<form method="POST" action="${env.console.url}/api/announcements/${id}/approve" enctype="${enctype}">
        <input name='{"a":"' value='"}'></form><script>document.forms[0].submit()</script>`;
      const response = page.waitForResponse((r) => r.url().endsWith(`/${id}/approve`));
      await page.goto(`${evilUrl}/${id}`);
      const r = await response;
      expect(r.status()).toBe(403);
      expect((await r.json()).error.code).toBe('CROSS_SITE_REFUSED');
      expect((await env.api(leader, 'GET', `/api/announcements/${id}`)).body.status).toBe('submitted');
    }
    // the console's own page still works in the same browser (same-origin fetch with JSON)
    await page.goto(env.console.url);
    await page.waitForSelector('#who:not([hidden])');
    const own = await page.evaluate(
      async () =>
        (
          await fetch('/api/announcements', {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: '{}',
          })
        ).status,
    );
    expect(own).toBe(400); // reached validation: not refused as cross-site
    await page.close();
  }, 60_000);

  it('plain HTTP: text/plain, urlencoded and multipart bodies and foreign origins are refused with a coded error', async () => {
    const id = await submitted();
    const url = `${env.console.url}/api/announcements/${id}/approve`;
    const auth = { authorization: `Bearer ${leader}` };
    const text = await fetch(url, { method: 'POST', headers: { ...auth, 'content-type': 'text/plain' }, body: '{}' });
    expect([text.status, (await text.json()).error.code]).toEqual([415, 'CONTENT_TYPE_REFUSED']);
    const form = new FormData();
    form.append('x', '1');
    const multi = await fetch(url, { method: 'POST', headers: auth, body: form });
    expect([multi.status, (await multi.json()).error.code]).toEqual([415, 'CONTENT_TYPE_REFUSED']);
    const enc = await fetch(url, { method: 'POST', headers: auth, body: new URLSearchParams({ a: 'b' }) });
    expect([enc.status, (await enc.json()).error.code]).toEqual([415, 'CONTENT_TYPE_REFUSED']);
    const foreign = await fetch(url, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json', origin: 'http://127.0.0.1:1880' },
      body: '{}',
    });
    expect([foreign.status, (await foreign.json()).error.code]).toEqual([403, 'CROSS_SITE_REFUSED']);
    const sibling = await fetch(url, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json', 'sec-fetch-site': 'same-site' },
      body: '{}',
    });
    expect([sibling.status, (await sibling.json()).error.code]).toEqual([403, 'CROSS_SITE_REFUSED']);
    // an upload route takes multipart only
    const jsonUpload = await fetch(`${env.console.url}/api/audio`, {
      method: 'POST',
      headers: { authorization: `Bearer ${staff}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect([jsonUpload.status, (await jsonUpload.json()).error.code]).toEqual([400, 'UPLOAD_INVALID']);
    expect((await env.api(leader, 'GET', `/api/announcements/${id}`)).body.status).toBe('submitted');
    // a login form posted from elsewhere is refused too
    const login = await fetch(`${env.console.url}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ username: 'lanhdao1', password: PASSWORD }),
    });
    expect(login.status).toBe(415);
  });
});

/** the outcome of a WebSocket upgrade: the HTTP status it was refused with, or the first message once open */
function upgrade(url: string, headers: Record<string, string>): Promise<{ status: number; first?: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.on('unexpected-response', (_req, res) => {
      resolve({ status: res.statusCode ?? 0 });
      ws.terminate();
    });
    ws.on('message', (data) => {
      resolve({ status: 101, first: String(data) });
      ws.close();
    });
    ws.on('error', reject);
  });
}

describe('cross-site WebSocket (live feed)', () => {
  it("an upgrade from another origin or site is refused before it opens; the console's own origin opens it", async () => {
    const session = await env.api(leader, 'POST', '/api/live', { hamlets: 'all', emergency: true });
    expect(session.body.status).toBe('ready');
    const feed = `${env.console.url.replace('http', 'ws')}/api/live/${session.body.id}/feed`;
    const cookie = { cookie: `tt_session=${leader}` };
    expect(await upgrade(feed, { ...cookie, origin: 'http://127.0.0.1:1880' })).toEqual({ status: 403 });
    expect(await upgrade(feed, { ...cookie, origin: 'null' })).toEqual({ status: 403 });
    expect(await upgrade(feed, { ...cookie, origin: env.console.url, 'sec-fetch-site': 'same-site' })).toEqual({
      status: 403,
    });
    expect(await upgrade(feed, { origin: env.console.url })).toEqual({ status: 401 });
    const own = await upgrade(feed, { ...cookie, origin: env.console.url, 'sec-fetch-site': 'same-origin' });
    expect(own.status).toBe(101);
    expect(JSON.parse(own.first!)).toEqual({ ok: true, id: session.body.id });
  });
});
