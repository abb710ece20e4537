import type { Actor } from '../../src/actor/types.js';
import type { ChunksMessage, ExtractedMessage } from '../../src/messages/pipeline.js';
import type { Chunk, SplitOptions, SplitSection } from '../../src/split/index.js';
import { docFields } from '../doc-fields.js';

export interface SplitActorOptions {
  /** Split one text on a worker thread. */
  run(task: { text: string; sections: SplitSection[]; options: Partial<SplitOptions> }, signal: AbortSignal): Promise<Chunk[]>;
  options: Partial<SplitOptions>;
  /** Also send the chunks to the knowledge branch (a second output). */
  knowledge?: boolean;
}

/** The split stage: structure-aware chunks with offsets, heading path and page. */
export function createSplitActor(opts: SplitActorOptions): Actor<ExtractedMessage, ChunksMessage[]> {
  return {
    name: 'split',
    async handle(msg, ctx) {
      const started = performance.now();
      const chunks = await opts.run({ text: msg.text, sections: msg.sections, options: opts.options }, ctx.signal);
      const out: ChunksMessage = {
        ...docFields(msg, 'split', performance.now() - started), format: msg.format, ...(msg.title ? { title: msg.title } : {}),
        chunks: chunks.map((c) => ({ index: c.index, text: c.text, start: c.start, end: c.end, headingPath: c.headingPath, size: c.size, ...(c.page !== undefined ? { page: c.page } : {}) })),
      };
      return opts.knowledge ? [out, out] : [out];
    },
  };
}
