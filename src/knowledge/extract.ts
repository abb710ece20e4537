import { withoutCode } from './code.js';
import { boosted, termConfidence } from './confidence.js';
import { entityKey } from './normalize.js';
import { sentenceRelations } from './relations.js';
import { namedSpans, type Span } from './spans.js';
import { termSpans } from './terms.js';
import { tokenize, type Sentence } from './tokens.js';
import type { EntityName, EntityType, ExtractedEntity, ExtractedKnowledge, ExtractedRelation, KnowledgeChunk, KnowledgeOptions } from './types.js';

/** The options with their defaults. */
export const DEFAULT_KNOWLEDGE_OPTIONS: Readonly<Required<KnowledgeOptions>> = Object.freeze({ minTermCount: 2, maxTermWords: 4, terms: true, skipCode: true, maxChunkChars: 100_000 });

/** What is known about one entity while the document is read. */
interface Tally {
  name: string;
  type: EntityType;
  /** Best confidence a single mention's tags gave (named entities). */
  base: number;
  occurrences: number;
  chunks: Set<string>;
  attributes: Record<string, string>;
}

interface ReadSentence {
  chunkId: string;
  tokens: Sentence;
  spans: Span[];
}

/**
 * The knowledge of one document: its persons, places and organisations (compromise's tags), the
 * noun phrases that recur at least `minTermCount` times (`term`), and the relations read between
 * neighbouring entities of a sentence. Entities are merged across chunks by type and normalised name;
 * the first spelling seen is the name. A relation found several times keeps its best confidence and
 * first chunk. Deterministic: the same chunks always give the same result, in first-seen order.
 * Overlapping chunks (the splitter's overlap) count a mention once per chunk.
 *
 * @throws TypeError naming a bad option.
 */
export function extractKnowledge(chunks: ReadonlyArray<KnowledgeChunk>, options: KnowledgeOptions = {}): ExtractedKnowledge {
  const o = fillOptions(options);
  const tallies = new Map<string, Tally>();
  const read: ReadSentence[] = [];
  for (const chunk of chunks) {
    const text = chunk.text.slice(0, o.maxChunkChars);
    for (const tokens of tokenize(o.skipCode ? withoutCode(text) : text)) {
      const named = namedSpans(tokens);
      const terms = o.terms ? termSpans(tokens, named, o.maxTermWords) : [];
      for (const sp of named) count(tallies, sp, chunk.id, sp.base, sp.attributes);
      for (const sp of terms) count(tallies, sp, chunk.id, 0, {});
      read.push({ chunkId: chunk.id, tokens, spans: [...named, ...terms] });
    }
  }
  const kept = keptEntities(tallies, o.minTermCount);
  const entities: ExtractedEntity[] = [];
  for (const [key, t] of tallies) {
    if (!kept.has(key)) continue;
    const confidence = t.type === 'term' ? termConfidence(t.occurrences) : boosted(t.base, t.occurrences);
    entities.push({
      name: t.name, type: t.type, confidence, mentions: [...t.chunks].map((chunkId) => ({ chunkId })),
      ...(Object.keys(t.attributes).length > 0 ? { attributes: t.attributes } : {}),
    });
  }
  return { entities, relations: relationsOf(read, tallies, kept) };
}

function fillOptions(options: KnowledgeOptions): Required<KnowledgeOptions> {
  const o = { ...DEFAULT_KNOWLEDGE_OPTIONS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) };
  for (const key of ['minTermCount', 'maxTermWords', 'maxChunkChars'] as const) {
    if (!Number.isSafeInteger(o[key]) || o[key] < 1) throw new TypeError(`options.${key} must be a positive integer`);
  }
  for (const key of ['terms', 'skipCode'] as const) {
    if (typeof o[key] !== 'boolean') throw new TypeError(`options.${key} must be a boolean`);
  }
  return o;
}

function count(tallies: Map<string, Tally>, sp: Span, chunkId: string, base: number, attributes: Record<string, string>): void {
  const key = entityKey(sp.type, sp.norm);
  let t = tallies.get(key);
  if (!t) {
    t = { name: sp.name, type: sp.type, base, occurrences: 0, chunks: new Set(), attributes: {} };
    tallies.set(key, t);
  }
  t.occurrences++;
  t.base = Math.max(t.base, base);
  t.chunks.add(chunkId);
  for (const [k, v] of Object.entries(attributes)) t.attributes[k] ??= v;
}

/** Every named entity; a term when it recurs often enough and no named entity has its name. */
function keptEntities(tallies: Map<string, Tally>, minTermCount: number): Set<string> {
  const namedNorms = new Set<string>();
  for (const [key, t] of tallies) if (t.type !== 'term') namedNorms.add(key.slice(key.indexOf('\u0000') + 1));
  const kept = new Set<string>();
  for (const [key, t] of tallies) {
    if (t.type !== 'term') kept.add(key);
    else if (t.occurrences >= minTermCount && !namedNorms.has(key.slice(key.indexOf('\u0000') + 1))) kept.add(key);
  }
  return kept;
}

function relationsOf(read: readonly ReadSentence[], tallies: Map<string, Tally>, kept: Set<string>): ExtractedRelation[] {
  const byFact = new Map<string, ExtractedRelation>();
  const ref = (sp: Span): EntityName => {
    const t = tallies.get(entityKey(sp.type, sp.norm))!;
    return { name: t.name, type: t.type };
  };
  for (const s of read) {
    const mentions = s.spans.filter((sp) => kept.has(entityKey(sp.type, sp.norm)));
    for (const r of sentenceRelations(s.tokens, mentions)) {
      const fact = [entityKey(r.subject.type, r.subject.norm), r.predicate, entityKey(r.object.type, r.object.norm)].join('\u0001');
      const seen = byFact.get(fact);
      if (!seen) byFact.set(fact, { subject: ref(r.subject), predicate: r.predicate, object: ref(r.object), confidence: r.confidence, chunkId: s.chunkId });
      else if (r.confidence > seen.confidence) seen.confidence = r.confidence;
    }
  }
  return [...byFact.values()];
}
