/**
 * The split stage's CPU work: structure-aware recursive splitting of extracted text into chunks sized
 * for embedding, with offsets into the original text as the truth.
 */
import { DocflowError } from '../errors/index.js';
import { CharMeasure, type Measure } from './measure.js';
import { mergePieces } from './merge.js';
import { resolveSplitOptions, type SplitOptions } from './options.js';
import { collectPieces, Newlines, PieceList } from './pieces.js';
import { regionsOf, type Region } from './regions.js';
import { skipWs, trimEndAt } from './text.js';
import { cl100kCounter } from './tokens/cl100k.js';
import { TokenRegionMeasure } from './tokens/region-measure.js';
import type { Chunk, SplitSection } from './types.js';

export { DEFAULT_SPLIT_OPTIONS, MIN_CHUNK_SIZE, resolveSplitOptions, type SplitOptions } from './options.js';
export type { Chunk, SplitSection } from './types.js';

/**
 * Split `text` into chunks of at most `chunkSize` (in `unit`, measured on each chunk's own text), never
 * across a section boundary (text outside every section is a region of its own), each chunk after the
 * first of a region repeating at most `chunkOverlap` of the previous one.
 *
 * Inside a region the text is cut by blank lines, then lines, sentence ends (`.`/`!`/`?` + whitespace,
 * `。`/`！`/`？`), whitespace, and last by characters or tokens (never inside a surrogate pair); only
 * the pieces over the limit are cut further, then neighbours are merged greedily. Chunks start and end
 * with non-whitespace, together hold every non-whitespace character, and the same input always gives
 * the same chunks. Empty or whitespace-only text gives [].
 *
 * @throws DocflowError ERR_SPLIT_INVALID for inconsistent options or sections out of order or bounds.
 */
export function split(text: string, sections: readonly SplitSection[], opts?: Partial<SplitOptions>): Chunk[] {
  const o = resolveSplitOptions(opts);
  if (typeof text !== 'string') throw new DocflowError('ERR_SPLIT_INVALID', `split needs text as a string (got ${typeof text})`);
  const counter = o.unit === 'tokens' ? cl100kCounter() : undefined;
  const chars = new CharMeasure(text);
  const pieces = new PieceList();
  const newlines = new Newlines(text);
  const chunks: Chunk[] = [];
  for (const region of regionsOf(text, sections ?? [])) {
    const a = skipWs(text, region.start, region.end);
    const b = trimEndAt(text, a, region.end);
    if (a >= b) continue;
    const emit = chunkMaker(text, region, chunks);
    const m: Measure = counter === undefined ? chars : new TokenRegionMeasure(text, counter, a, b);
    const whole = m.exact(a, b);
    if (whole <= o.chunkSize) {
      emit(a, b, whole);
      continue;
    }
    pieces.reset();
    collectPieces(text, a, b, o.chunkSize, m, pieces, newlines);
    mergePieces(text, pieces, m, o.chunkSize, o.chunkOverlap, emit);
  }
  return chunks;
}

function chunkMaker(text: string, region: Region, chunks: Chunk[]): (start: number, end: number, size: number) => void {
  const section = region.section;
  return (start, end, size) => {
    const chunk: Chunk = { index: chunks.length, text: text.slice(start, end), start, end, headingPath: section ? [...section.headingPath] : [], size };
    if (section?.page !== undefined) chunk.page = section.page;
    chunks.push(chunk);
  };
}
