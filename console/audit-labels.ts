import type { AuditEntry } from './store/audit.ts';
import type { Store } from './store/index.ts';

export type LabelledAuditEntry = AuditEntry & { userLabel: string; targetLabel: string | null; targetKind: 'announcement' | 'user' | 'audio' | null };

/** What people expect to read in the audit: titles and names, not ids and hashes (the ids stay for links). */
export function labelAudit(entries: AuditEntry[], store: Store): LabelledAuditEntry[] {
  const names = new Map<string, string>();
  const nameOf = (username: string) => {
    if (!names.has(username)) {
      const u = store.users.byUsername(username);
      names.set(username, u?.displayName ? `${u.displayName} (${username})` : username);
    }
    return names.get(username)!;
  };
  return entries.map((e) => {
    let targetLabel: string | null = e.target;
    let targetKind: LabelledAuditEntry['targetKind'] = null;
    const after = e.after as Record<string, unknown> | null;
    if (e.action === 'audio.upload') {
      targetKind = 'audio';
      targetLabel = typeof after?.filename === 'string' ? `tệp ${after.filename}` : 'tệp âm thanh';
    } else if (e.action.startsWith('user.') || e.action === 'login' || e.action === 'logout') {
      targetKind = 'user';
      targetLabel = e.target ? nameOf(e.target) : null;
    } else if (e.target) {
      const a = store.announcements.get(e.target);
      if (a) {
        targetKind = 'announcement';
        targetLabel = `«${a.title}»`;
      }
    }
    return { ...e, userLabel: nameOf(e.username), targetLabel, targetKind };
  });
}
