/** Completions per second and mean duration over a sliding window of fixed buckets. */
export class RateWindow {
  readonly #buckets: Array<{ at: number; count: number; totalMs: number }> = [];

  constructor(private readonly windowMs = 10_000, private readonly bucketMs = 1_000, private readonly now: () => number = Date.now) {}

  record(durationMs: number): void {
    const t = Math.floor(this.now() / this.bucketMs) * this.bucketMs;
    let last = this.#buckets[this.#buckets.length - 1];
    if (!last || last.at !== t) {
      last = { at: t, count: 0, totalMs: 0 };
      this.#buckets.push(last);
    }
    last.count++;
    last.totalMs += durationMs;
    this.#trim();
  }

  /** Per second over the window. */
  rate(): number {
    this.#trim();
    const n = this.#buckets.reduce((s, b) => s + b.count, 0);
    return n / (this.windowMs / 1000);
  }

  meanMs(): number {
    this.#trim();
    const n = this.#buckets.reduce((s, b) => s + b.count, 0);
    return n === 0 ? 0 : this.#buckets.reduce((s, b) => s + b.totalMs, 0) / n;
  }

  #trim(): void {
    const oldest = this.now() - this.windowMs;
    while (this.#buckets.length > 0 && this.#buckets[0]!.at < oldest) this.#buckets.shift();
  }
}
