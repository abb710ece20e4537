/**
 * Single flight: concurrent calls for one key share one run of the work. The run is forgotten as
 * soon as it settles, so an error is shared by the callers that were waiting and never remembered.
 */

/** Figures of a {@link SingleFlight}. */
export interface SingleFlightStats {
  /** Calls that joined a run already going for their key. */
  coalesced: number;
  /** Keys with a run going now. */
  inflight: number;
}

/** One run per key at a time: see the file comment. */
export class SingleFlight {
  readonly #running = new Map<string, Promise<unknown>>();
  #coalesced = 0;

  /** `work()`'s result, or that of the run already going for `key`. */
  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const going = this.#running.get(key);
    if (going) {
      this.#coalesced++;
      return going as Promise<T>;
    }
    const run = (async () => work())();
    this.#running.set(key, run);
    const forget = () => {
      if (this.#running.get(key) === run) this.#running.delete(key);
    };
    // Both branches handled: this bookkeeping never makes a rejection "unhandled"; callers get `run`.
    run.then(forget, forget);
    return run;
  }

  stats(): SingleFlightStats {
    return { coalesced: this.#coalesced, inflight: this.#running.size };
  }
}
