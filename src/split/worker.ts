/** WorkerPool module of the split stage: splitting is CPU work, so it runs off the event loop. */
import { defineWorker } from '../pool/worker-entry.js';
import { split, type SplitOptions } from './index.js';
import type { SplitSection } from './types.js';

/** One document to split, as the split stage hands it to the pool. */
export interface SplitTask {
  text: string;
  sections: SplitSection[];
  options?: Partial<SplitOptions>;
}

export default defineWorker((task: SplitTask) => split(task.text, task.sections, task.options));
