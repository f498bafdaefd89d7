/** The expansion lives in the contract (devices/broadcast-plan.ts): the console's preview runs the same code. */
export { expandOccurrences, PRIORITY_RANK, type Occurrence } from '../../devices/broadcast-plan.ts';
