/** The one way a service turns zod issues into lines a person can read: `path: message`, one line an issue. */

/** the part of a zod issue the formatter reads (zod 4's `$ZodIssue` and its core variant both fit) */
export type IssueLike = { readonly path: readonly PropertyKey[]; readonly message: string };

export type IssueFormat = {
  /** where the validated value sits in a larger document, e.g. `units.speaker`; issue paths are appended to it */
  prefix?: string;
  /** at most this many lines (a payload with a thousand bad items should not make a thousand-line log) */
  limit?: number;
  /** what the value itself (an empty path, no prefix) is called */
  root?: string;
};

/** the root of a document, as operators read it in Vietnamese */
export const ROOT_LABEL = '(gốc)';

/** `a.b.0.c` for a path, with the prefix in front; the root alone is `(gốc)` */
export function issuePath(path: readonly PropertyKey[], opts: Pick<IssueFormat, 'prefix' | 'root'> = {}): string {
  const parts = [...(opts.prefix ? [opts.prefix] : []), ...path.map((p) => String(p))];
  return parts.length ? parts.join('.') : (opts.root ?? ROOT_LABEL);
}

/** one `path: message` line per issue */
export function formatIssues(issues: readonly IssueLike[], opts: IssueFormat = {}): string[] {
  const shown = opts.limit === undefined ? issues : issues.slice(0, opts.limit);
  return shown.map((i) => `${issuePath(i.path, opts)}: ${i.message}`);
}

/** the same lines joined with `; `, for a one-line detail in a log or an error response */
export function issuesDetail(issues: readonly IssueLike[], opts: IssueFormat = {}): string {
  return formatIssues(issues, opts).join('; ');
}
