/** `path: message`, one line an issue, the path under `prefix` (until the shared formatter lands in infra/). */
export function formatIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[], opts: { prefix?: string } = {}): string[] {
  return issues.map((i) => {
    const parts = [...(opts.prefix ? [opts.prefix] : []), ...i.path.map(String)];
    return `${parts.length ? parts.join('.') : '(gốc)'}: ${i.message}`;
  });
}
