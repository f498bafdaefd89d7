import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { formatIssues, issuePath, issuesDetail } from '../../infra/zod-issues.ts';

const schema = z.object({ port: z.number().int(), hosts: z.array(z.string()) });

function issuesOf(value: unknown) {
  const r = schema.safeParse(value);
  if (r.success) throw new Error('expected a failure');
  return r.error.issues;
}

describe('zod issue formatter', () => {
  it('writes one `path: message` line per issue, array indexes included', () => {
    const lines = formatIssues(issuesOf({ port: 1.5, hosts: ['a', 2] }));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^port: /);
    expect(lines[1]).toMatch(/^hosts\.1: /);
  });

  it('calls the root "(gốc)" unless a prefix names the place', () => {
    expect(formatIssues(issuesOf('not an object'))[0]).toMatch(/^\(gốc\): /);
    expect(formatIssues(issuesOf('x'), { prefix: 'units.speaker' })[0]).toMatch(/^units\.speaker: /);
    expect(formatIssues(issuesOf({ port: 'x', hosts: [] }), { prefix: 'units.speaker' })[0]).toMatch(
      /^units\.speaker\.port: /,
    );
    expect(issuePath([], { root: '(payload)' })).toBe('(payload)');
  });

  it('keeps at most `limit` lines and joins them for a one-line detail', () => {
    const issues = issuesOf({ port: 'x', hosts: [1, 2, 3] });
    expect(issues.length).toBe(4);
    expect(formatIssues(issues, { limit: 2 })).toHaveLength(2);
    expect(issuesDetail(issues, { limit: 2 }).split('; ')).toEqual(formatIssues(issues, { limit: 2 }));
  });
});
