/**
 * Contact bounce: a pressed switch chatters for a few ms (down, up, down …) and chatters again on release.
 * An edge to "active" is a new press only if the pin was quiet (no edge at all) for `debounceMs` before it:
 * the first edge of a press is taken at once (fast acknowledgement), the chatter that follows it and the
 * chatter of the release are not. Times are monotonic ms.
 */
export class Debouncer {
  #lastEdge = Number.NEGATIVE_INFINITY;
  bounces = 0;

  constructor(readonly debounceMs: number) {}

  /** true when this edge is a new press */
  edge(active: boolean, mono: number): boolean {
    const quiet = mono - this.#lastEdge >= this.debounceMs;
    this.#lastEdge = mono;
    if (active && !quiet) this.bounces++;
    return active && quiet;
  }
}
