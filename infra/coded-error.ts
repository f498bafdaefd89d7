/**
 * The base of every service's catalogued errors (broker, bridge, ...): callers and tests match `code`, people
 * read the message; the catalogue (a service's errors.ts) says what each code means.
 */
export class CodedError<C extends string> extends Error {
  constructor(
    readonly code: C,
    message: string,
    /** every problem found, each prefixed by its path (config errors) */
    readonly problems: string[] = [],
  ) {
    super(message);
  }
}

/** a headline followed by its problems, one a line (as operators read config errors) */
export function withProblems(headline: string, problems: readonly string[]): string {
  return problems.length ? `${headline}:\n  - ${problems.join('\n  - ')}` : headline;
}
