import { z } from 'zod';
import { issuesDetail } from '../../infra/zod-issues.ts';
import { ERRORS, type ErrorCode } from '../errors.ts';

/**
 * The console's request schemas carry an error code (and an optional Vietnamese detail) as each issue's
 * message, `CODE` or `CODE|detail`, so a refusal by a schema is the same coded error as one by the service.
 */
export function coded(code: ErrorCode, detail?: string): string {
  return detail ? `${code}|${detail}` : code;
}

export type CodedIssue = { code: ErrorCode; detail?: string; path: string };
type Issue = Pick<z.core.$ZodIssue, 'message' | 'path'> & { code?: string; errors?: Issue[][] };

/**
 * the first issue as a catalogue code; an issue without one (a plain zod message) is INVALID_INPUT. A body
 * that may be one of several requests (a union without its own message) is explained by its first form.
 */
export function codedIssue(issues: readonly Issue[]): CodedIssue {
  let first = issues[0];
  while (first?.code === 'invalid_union' && !(first.message.split('|')[0]! in ERRORS) && first.errors?.[0]?.[0]) {
    const inner: Issue = first.errors[0][0];
    first = { ...inner, path: [...first.path, ...inner.path] };
  }
  const path = first ? first.path.map(String).join('.') : '';
  const [code, ...rest] = (first?.message ?? '').split('|');
  if (code && code in ERRORS)
    return { code: code as ErrorCode, detail: rest.length ? rest.join('|') : undefined, path };
  return { code: 'INVALID_INPUT', detail: path ? `(${path})` : undefined, path };
}

/** an issue as a person reads it: the Vietnamese catalogue message, with the field's path for API clients */
export function describeIssue(issue: Issue): string {
  const c = codedIssue([issue]);
  const message =
    c.code === 'INVALID_INPUT' && !issue.message.startsWith('INVALID_INPUT') ? issue.message : ERRORS[c.code].message;
  const text = c.detail && c.code !== 'INVALID_INPUT' ? `${message} ${c.detail}` : message;
  return `${c.path || '(payload)'}: ${text}`;
}

/**
 * A schema written elsewhere (the device contract) whose issues have plain messages, refused as one catalogue
 * code with the issues as its detail, e.g. a sound policy the speakers would refuse is POLICY_INVALID.
 */
export function refusedAs<T extends z.ZodType>(code: ErrorCode, schema: T) {
  return z.unknown().transform((input, ctx): z.output<T> => {
    const parsed = schema.safeParse(input);
    if (parsed.success) return parsed.data;
    ctx.addIssue({ code: 'custom', message: coded(code, issuesDetail(parsed.error.issues, { limit: 3 })) });
    return z.NEVER;
  });
}
