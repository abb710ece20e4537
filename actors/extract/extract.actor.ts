import type { Actor } from '../../src/actor/types.js';
import { DocflowError, toDocflowError } from '../../src/errors/index.js';
import type { ExtractedMessage, LoadedMessage } from '../../src/messages/pipeline.js';
import type { Extracted, ExtractInput, ExtractOptions } from '../../src/extract/index.js';
import { docFields } from '../doc-fields.js';

/** Documents smaller than this are extracted without asking the cache. */
const MEMO_MIN_BYTES = 64 * 1024;

export interface ExtractActorOptions {
  /** Run one extraction on a worker thread (the pool enforces the per-document timeout and heap limit). */
  run(task: ExtractInput & { options: Partial<ExtractOptions> }, signal: AbortSignal): Promise<Extracted>;
  options: Partial<ExtractOptions>;
  /** The cache: the same content (by hash) is extracted once. */
  memo?<T>(contentHash: string, compute: () => Promise<T>): Promise<T>;
}

/** The extract stage: bytes to text with its structure (headings, pages), on a worker thread. */
export function createExtractActor(opts: ExtractActorOptions): Actor<LoadedMessage, ExtractedMessage[]> {
  return {
    name: 'extract',
    async handle(msg, ctx) {
      const started = performance.now();
      let out: Extracted;
      try {
        const run = () => opts.run({ bytes: msg.data, ...(msg.name ? { name: msg.name } : {}), ...(msg.mime ? { mime: msg.mime } : {}), options: opts.options }, ctx.signal);
        // The type can come from the name or mime, so they are part of what is cached under the hash.
        // A small document extracts faster than a cache round trip: only larger ones are cached.
        out = opts.memo && msg.data.byteLength >= MEMO_MIN_BYTES ? await opts.memo(`${msg.contentHash}:${msg.mime ?? ''}:${msg.name?.split('.').pop() ?? ''}`, run) : await run();
      } catch (err) {
        const e = toDocflowError(err);
        // A hung extractor is a property of the document: retrying it would hang again.
        if (e.code === 'ERR_STAGE_TIMEOUT' && !ctx.signal.aborted) throw new DocflowError('ERR_EXTRACT_TIMEOUT', `extracting ${msg.docId} took too long: ${e.message}`, { cause: e });
        throw e;
      }
      return [{
        ...docFields(msg, 'extract', performance.now() - started), format: out.format, ...(out.title ? { title: out.title.slice(0, 4096) } : {}),
        // PostgreSQL text cannot hold U+0000: a space keeps every offset in place.
        text: out.text.includes('\0') ? out.text.replaceAll('\0', ' ') : out.text, sections: out.sections, ...(out.pages !== undefined ? { pages: out.pages } : {}),
      }];
    },
  };
}
