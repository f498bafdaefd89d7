import { signedIn } from './context.ts';

/**
 * A route's `onRequest`: an anonymous caller is refused (401) before the request's schema is checked, so
 * nobody learns what a route accepts without signing in.
 */
export const requireUser = signedIn();
