import type { Announcement, Status } from './model.ts';

/** the statuses each transition starts from: the service enforces them, the view offers only these */
export const TRANSITIONS = {
  submit: ['draft', 'rejected'],
  approve: ['submitted'],
  reject: ['draft', 'submitted'],
  stop: ['approved', 'submitted', 'draft'],
} as const satisfies Record<string, readonly Status[]>;
/** an edit of these changes them in place; of an approved one, makes a revision beside it */
export const EDITABLE: readonly Status[] = ['draft', 'submitted', 'rejected', 'approved'];

export function isEmergency(a: Announcement): boolean {
  return a.priority === 'emergency' || a.schedule.kind === 'immediate';
}
