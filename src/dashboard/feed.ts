/**
 * What the live dashboard shows, as one JSON snapshot: the stages of this node (state, rate, backlog,
 * in flight, counters), its memory (level, trend and recent RSS), its worker pools, and the latest
 * failed documents of the whole deployment with their reasons (from the dead-letter subjects: every
 * failure is dead-lettered, and nothing else goes there, so the feed decodes failures only).
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
  stages(): Promise<Array<StageFigures & { rate: number }>>;
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
  stages: Array<StageFigures & { rate: number }>;
  memory: { level: string; rssBytes: number; heapUsedBytes: number; limitBytes: number; slopeBytesPerSec: number; rss: Array<[number, number]> };
  pools: ReturnType<DashboardSources['pools']>;
  failures: FailureEntry[];
  failedTotal: number;
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
    return {
      version: this.sources.version,
      at: new Date().toISOString(),
      stages: await this.sources.stages(),
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
