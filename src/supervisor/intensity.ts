/**
 * The restart intensity of one child: the times of its recent restarts, kept only as long as they
 * fall inside the sliding period (so memory stays bounded by maxRestarts + 1 entries).
 */
export class RestartWindow {
  readonly #times: number[] = [];

  constructor(
    /** R: restarts allowed inside the period. */
    private readonly maxRestarts: number,
    /** P, ms. */
    private readonly periodMs: number,
  ) {}

  /**
   * Record a restart at `now` (ms) and say whether it is one too many: true when the restarts in
   * (now − P, now], counting this one, exceed R.
   * @returns the count inside the period and the verdict.
   */
  record(now: number): { recent: number; exceeded: boolean } {
    this.#times.push(now);
    while (this.#times.length > 0 && (this.#times[0] as number) <= now - this.periodMs) this.#times.shift();
    // Past R + 1 the verdict cannot change; dropping the oldest keeps the array bounded.
    while (this.#times.length > this.maxRestarts + 1) this.#times.shift();
    const recent = this.#times.length;
    return { recent, exceeded: recent > this.maxRestarts };
  }
}
