/** The period rules live in the contract (devices/broadcast-plan.ts): the console's preview uses the same code. */
export { cappedVolume, inPeriod, isQuiet, quietStartsAt } from '../../devices/broadcast-plan.ts';
