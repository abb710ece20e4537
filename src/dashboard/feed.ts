/**
 * What the live dashboard shows, as one JSON snapshot: the stages of the deployment, each one card
 * whichever processes run it (state, rate, backlog, in flight, counters), this process's memory
 * (level, trend and recent RSS) and worker pools, and the latest failed documents of the whole
 * deployment with their reasons (from the dead-letter subjects: every failure is dead-lettered, and
 * nothing else goes there, so the feed decodes failures only).
 */
import type { StageFigures } from '../metrics/metrics.js';
import type { MemorySnapshot } from '../memory/types.js';
import type { DeadLetterMessage } from '../messages/index.js';

/** Failed documents kept for the page. */
export const RECENT_FAILURES = 25;
/** RSS points kept for the page's chart. */
export const MEMORY_POINTS = 120;

/** Where the feed reads its numbers (the same places as the metrics and `docflow status`). */
export interface DashboardSources {
  version: string;
  /** Each process's stages, this process's first (one list when it is alone or cannot ask the others). */
  stages(): Promise<Array<Array<StageFigures & { rate: number }>>>;
  /** Where stages go on the page: these names in this order, others after. */
  order?: readonly string[];
  memory(): MemorySnapshot;
  memoryHistory(): ReadonlyArray<{ at: number; rssBytes: number }>;
  pools(): Array<{ name: string; threads: number; queued: number; running: number; completed: number; failed: number }>;
}

/** One failed document as the page lists it. */
export interface FailureEntry {
  docId: string;
  stage: string;
  code: string;
  message: string;
  at: string;
}

/** The page's data, sent once a second. */
export interface DashboardSnapshot {
  version: string;
  at: string;
  /** Processes whose stages the page shows. */
  processes: number;
  stages: MergedStage[];
  memory: { level: string; rssBytes: number; heapUsedBytes: number; limitBytes: number; slopeBytesPerSec: number; rss: Array<[number, number]> };
  pools: ReturnType<DashboardSources['pools']>;
  failures: FailureEntry[];
  failedTotal: number;
}

/** A stage as the page shows it: its figures over every process that runs it. */
export type MergedStage = StageFigures & { rate: number; processes: number };

/** How bad a state is, for a stage whose processes disagree: the worst shows. */
const STATE_RANK: Record<string, number> = { running: 0, starting: 1, stopping: 2, stopped: 3, restarting: 4, failed: 5 };
const rank = (state: string): number => STATE_RANK[state] ?? 3;

/**
 * The stages of several processes as one pipeline: per stage name, counters and rates summed over
 * the processes that run it, the backlog of its consumer (shared by them: the largest figure, the
 * freshest), and the worst state. In `order`, then in order of first appearance.
 */
export function mergeStages(lists: ReadonlyArray<ReadonlyArray<StageFigures & { rate: number }>>, order: readonly string[] = []): MergedStage[] {
  const byName = new Map<string, MergedStage>();
  for (const list of lists) {
    for (const st of list) {
      const m = byName.get(st.name);
      if (m === undefined) {
        byName.set(st.name, { name: st.name, state: st.state, inFlight: st.inFlight, pending: st.pending, processed: st.processed, failed: st.failed, retried: st.retried, restarts: st.restarts, rate: st.rate, processes: 1 });
        continue;
      }
      if (rank(st.state) > rank(m.state)) m.state = st.state;
      m.inFlight += st.inFlight;
      m.pending = Math.max(m.pending, st.pending);
      m.processed += st.processed;
      m.failed += st.failed;
      m.retried += st.retried;
      m.restarts += st.restarts;
      m.rate += st.rate;
      m.processes++;
    }
  }
  const at = (name: string) => {
    const i = order.indexOf(name);
    return i < 0 ? order.length : i;
  };
  return [...byName.values()].map((m, i) => ({ m, i })).sort((a, b) => at(a.m.name) - at(b.m.name) || a.i - b.i).map(({ m }) => m);
}

export class DashboardFeed {
  readonly #failures: FailureEntry[] = [];
  #failedTotal = 0;

  constructor(private readonly sources: DashboardSources) {}

  /** Keep a dead letter for the page (one without a document id was an undecodable message). */
  record(d: DeadLetterMessage): void {
    this.#failedTotal++;
    this.#failures.unshift({ docId: d.docId ?? '(undecodable message)', stage: d.stage, code: d.error.code, message: d.error.message, at: d.at });
    if (this.#failures.length > RECENT_FAILURES) this.#failures.length = RECENT_FAILURES;
  }

  async snapshot(): Promise<DashboardSnapshot> {
    const m = this.sources.memory();
    const history = this.sources.memoryHistory();
    const lists = await this.sources.stages();
    return {
      version: this.sources.version,
      at: new Date().toISOString(),
      processes: lists.length,
      stages: mergeStages(lists, this.sources.order),
      memory: {
        level: m.level, rssBytes: m.rssBytes, heapUsedBytes: m.heapUsedBytes, limitBytes: m.limitBytes, slopeBytesPerSec: m.slopeBytesPerSec,
        rss: history.slice(-MEMORY_POINTS).map((h) => [h.at, h.rssBytes]),
      },
      pools: this.sources.pools(),
      failures: [...this.#failures],
      failedTotal: this.#failedTotal,
    };
  }
}
