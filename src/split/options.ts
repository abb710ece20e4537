import { DocflowError } from '../errors/index.js';

/** How chunks are measured and how big they may be. */
export interface SplitOptions {
  /**
   * `tokens`: cl100k_base tokens (what embedding models count); `chars`: UTF-16 code units
   * (`String.length`, as the offsets are).
   */
  unit: 'tokens' | 'chars';
  /** Largest chunk, in `unit`. At least 4 tokens (one character can take 4) or 2 chars (a surrogate pair). */
  chunkSize: number;
  /** Most text a chunk may repeat from the end of the previous one, in `unit`; below `chunkSize`. */
  chunkOverlap: number;
}

/** 512-token chunks with 64 tokens of overlap: fits every common embedding model's input. */
export const DEFAULT_SPLIT_OPTIONS: Readonly<SplitOptions> = Object.freeze({ unit: 'tokens', chunkSize: 512, chunkOverlap: 64 });

/** Smallest `chunkSize` per unit: the most one character can measure, so no character is ever cut. */
export const MIN_CHUNK_SIZE: Readonly<Record<SplitOptions['unit'], number>> = Object.freeze({ chars: 2, tokens: 4 });

/**
 * The defaults with `opts` over them (undefined fields keep the default), checked as a whole.
 *
 * @throws DocflowError ERR_SPLIT_INVALID listing every problem in `details.problems`.
 */
export function resolveSplitOptions(opts: Partial<SplitOptions> = {}): SplitOptions {
  const o: SplitOptions = {
    unit: opts.unit ?? DEFAULT_SPLIT_OPTIONS.unit,
    chunkSize: opts.chunkSize ?? DEFAULT_SPLIT_OPTIONS.chunkSize,
    chunkOverlap: opts.chunkOverlap ?? DEFAULT_SPLIT_OPTIONS.chunkOverlap,
  };
  const problems: string[] = [];
  const unitOk = o.unit === 'tokens' || o.unit === 'chars';
  if (!unitOk) problems.push(`unit must be "tokens" or "chars" (got ${JSON.stringify(o.unit)})`);
  const min = unitOk ? MIN_CHUNK_SIZE[o.unit] : 1;
  const sizeOk = Number.isSafeInteger(o.chunkSize) && o.chunkSize >= min;
  if (!sizeOk) problems.push(`chunkSize must be an integer of at least ${min}${unitOk ? ` ${o.unit}` : ''} (got ${String(o.chunkSize)})`);
  if (!Number.isSafeInteger(o.chunkOverlap) || o.chunkOverlap < 0) {
    problems.push(`chunkOverlap must be a non-negative integer (got ${String(o.chunkOverlap)})`);
  } else if (sizeOk && o.chunkOverlap >= o.chunkSize) {
    problems.push(`chunkOverlap (${o.chunkOverlap}) must be below chunkSize (${o.chunkSize}): lower chunkOverlap or raise chunkSize`);
  }
  if (problems.length > 0) {
    throw new DocflowError('ERR_SPLIT_INVALID', `invalid split options: ${problems.join('; ')}`, { details: { problems } });
  }
  return o;
}
