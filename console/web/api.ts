import { signal } from '@preact/signals';
import type { PublicUser } from '../api/session.ts';

/**
 * The browser's one way to the console API: JSON in and out, cookies for the session, and a refusal
 * turned into an Error whose message is the server's Vietnamese message.
 */
/** the signed-in user as GET /api/me describes them */
export type Me = PublicUser;

export const banner = signal<{ text: string; ok: boolean }>({ text: '', ok: false });
/** the session ended (401): the app shows the login form */
export const sessionLost = signal(0);

export function say(text: string, ok = false): void {
  banner.value = { text, ok };
}

export async function api<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
  const init: RequestInit = { method, headers: {}, credentials: 'same-origin' };
  if (body instanceof FormData) init.body = body;
  else if (body !== undefined) {
    (init.headers as Record<string, string>)['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const res = await fetch(path, init);
  const data = res.headers.get('content-type')?.includes('json') ? await res.json() : null;
  if (!res.ok) {
    if (res.status === 401 && path !== '/api/session') sessionLost.value++;
    throw new Error(data?.error?.message ?? `Lỗi ${res.status}`);
  }
  // a change went through: an error shown for an earlier try is no longer true
  if (method !== 'GET' && !banner.value.ok) say('');
  return data as T;
}

/** run an action from a button or form; a refusal goes to the banner */
export function guard<A extends unknown[]>(fn: (...args: A) => Promise<unknown>) {
  return (...args: A): void => {
    fn(...args).catch((e: Error) => say(e.message));
  };
}
