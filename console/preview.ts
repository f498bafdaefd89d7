import type { ScheduleDocument } from '../devices/contract/broadcast.ts';
import type { IssuedDocs } from '../devices/broadcast-plan.ts';
import { previewSchedule } from '../devices/broadcast-preview.ts';
import { issuerDocs, type IssuerDocDeps } from './schedule/issuer-docs.ts';
import type { BuildOptions } from './schedule/build.ts';

export type { HamletPreview } from './api/broadcast.ts';
import type { HamletPreview } from './api/broadcast.ts';

/**
 * What will play in a hamlet over [from, to): the documents the publisher would sign for its speakers now,
 * run through the speaker's own expansion and rules (devices/broadcast-preview.ts).
 */
export function previewHamlet(
  commune: string,
  hamlet: { id: string; name: string },
  from: number,
  to: number,
  o: Omit<BuildOptions, 'now' | 'horizon'> & { now: number; warmupMs?: number },
  deps: IssuerDocDeps,
): HamletPreview {
  const docs: IssuedDocs = {};
  // with the emergencies of the area orders, which the speaker merges into its issuers' documents
  for (const d of issuerDocs(commune, hamlet.id, { ...o, horizon: to }, deps, { withArea: true })) {
    const doc: ScheduleDocument = {
      v: 1,
      commune,
      speaker: 'preview',
      hamlet: hamlet.id,
      version: 1,
      issuedAt: new Date(o.now).toISOString(),
      horizon: new Date(to).toISOString(),
      items: d.items,
      issuer: d.issuer,
      policy: d.policy,
      ...(d.stop ? { stop: d.stop } : {}),
    };
    docs[d.issuer.level] = doc;
  }
  const speakers = deps.area
    .speakers(commune)
    .filter((s) => s.hamlet === hamlet.id)
    .map((s) => s.id);
  return {
    hamlet: hamlet.id,
    name: hamlet.name,
    speakers,
    entries: previewSchedule(docs, from, to, { now: o.now, warmupMs: o.warmupMs }),
  };
}
