import { registerAnnounce } from './announce.ts';
import { registerConfigNode } from './config-node.ts';
import { registerDeviceStatus } from './device-status.ts';
import { registerFollowup } from './followup.ts';
import type { RedApi } from './red.ts';
import { registerRatingIn } from './rating-in.ts';

/**
 * The node set Node-RED loads (package.json "node-red".nodes → dist/thanthien.js, bundled by build.mjs).
 * One set registers every type, so the bundled contract, zod and mqtt.js are loaded once.
 */
export default function thanthien(RED: RedApi): void {
  registerConfigNode(RED);
  registerRatingIn(RED);
  registerDeviceStatus(RED);
  registerAnnounce(RED);
  registerFollowup(RED);
}
