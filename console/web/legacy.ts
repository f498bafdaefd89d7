import { useEffect } from 'preact/hooks';
// @ts-expect-error plain browser modules without types, still to be ported to components
import { loadFollowup } from '../public/followup.js';
// @ts-expect-error see above
import { loadSatisfaction } from '../public/satisfaction.js';
import { api, say } from './api.ts';

/**
 * The views still written as plain DOM modules: their markup is in index.html (outside the Preact root),
 * shown and loaded here with the helpers they were written against.
 */
type Helpers = { me: unknown; hamlets: unknown[] };
type Loader = (h: {
  api: typeof api;
  el: typeof el;
  say: typeof say;
  me: unknown;
  hamlets: unknown[];
}) => Promise<void> | void;

function el(tag: string, props: Record<string, unknown> = {}, ...children: Array<Node | string>): HTMLElement {
  const e = document.createElement(tag);
  Object.assign(e, props);
  for (const c of children) e.append(c);
  return e;
}

const LOADERS: Record<string, Loader> = {
  'satisfaction-view': loadSatisfaction,
  'followup-view': loadFollowup,
};

/** show the legacy view that is open (if any), hide the others, and load it each time it is opened */
export function useLegacyViews(view: string | null, visit: number, h: Helpers): void {
  useEffect(() => {
    for (const id of Object.keys(LOADERS)) {
      const section = document.getElementById(id);
      if (section) section.hidden = id !== view;
    }
    const load = view ? LOADERS[view] : undefined;
    if (load) Promise.resolve(load({ api, el, say, ...h })).catch((e: Error) => say(e.message));
  }, [view, visit]);
}
