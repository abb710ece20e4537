/**
 * A small corpus whose knowledge is known by hand. Confidences follow src/knowledge/confidence.ts:
 * a person with a lexicon first name and two words 0.9, a multi-word organisation 0.85, a known city
 * 0.85; each further mention in the document removes a fifth of the remaining doubt
 * (1 - (1 - base) × 0.8^(n-1)); a term seen twice 0.6. A relation with its verb right between the
 * two entities is 0.9, 0.05 less per word beyond the second ("worked at the" → 0.85).
 */
import type { EntityType, KnowledgeChunk } from '../../src/knowledge/index.js';

export const CURIE: KnowledgeChunk[] = [
  { id: 'curie:0', text: 'Marie Curie worked at the University of Paris. Pierre Curie married Marie Curie in 1895. Marie Curie was born in Warsaw.' },
  { id: 'curie:1', text: 'Pierre Curie taught at the University of Paris. Albert Einstein visited Paris in 1922. The University of Paris is located in Paris.' },
];

export const RADIUM: KnowledgeChunk[] = [
  { id: 'radium:0', text: 'Henri Becquerel discovered radioactivity in 1896. Marie Curie studied radioactivity with Pierre Curie.' },
];

/** A directed cycle: Alice → Bob → Carol → Alice. */
export const HIRING: KnowledgeChunk[] = [
  { id: 'hiring:0', text: 'Alice Smith hired Bob Jones. Bob Jones hired Carol White. Carol White hired Alice Smith.' },
];

type E = { name: string; type: EntityType; confidence: number; chunks: string[]; attributes?: Record<string, string> };
type R = { subject: string; predicate: string; object: string; confidence: number; chunkId: string };

export const CURIE_ENTITIES: E[] = [
  // 3 mentions in curie:0 → 1 - 0.1 × 0.8² = 0.936
  { name: 'Marie Curie', type: 'person', confidence: 0.936, chunks: ['curie:0'], attributes: { firstName: 'Marie', lastName: 'Curie' } },
  // 3 mentions (1 + 2) → 1 - 0.15 × 0.64 = 0.904
  { name: 'University of Paris', type: 'organization', confidence: 0.904, chunks: ['curie:0', 'curie:1'] },
  // 2 mentions → 1 - 0.1 × 0.8 = 0.92
  { name: 'Pierre Curie', type: 'person', confidence: 0.92, chunks: ['curie:0', 'curie:1'], attributes: { firstName: 'Pierre', lastName: 'Curie' } },
  { name: 'Warsaw', type: 'place', confidence: 0.85, chunks: ['curie:0'], attributes: { kind: 'city' } },
  { name: 'Albert Einstein', type: 'person', confidence: 0.9, chunks: ['curie:1'], attributes: { firstName: 'Albert', lastName: 'Einstein' } },
  // 2 mentions → 1 - 0.15 × 0.8 = 0.88
  { name: 'Paris', type: 'place', confidence: 0.88, chunks: ['curie:1'], attributes: { kind: 'city' } },
];

export const CURIE_RELATIONS: R[] = [
  { subject: 'Marie Curie', predicate: 'work at', object: 'University of Paris', confidence: 0.85, chunkId: 'curie:0' },
  { subject: 'Pierre Curie', predicate: 'marry', object: 'Marie Curie', confidence: 0.9, chunkId: 'curie:0' },
  { subject: 'Marie Curie', predicate: 'born in', object: 'Warsaw', confidence: 0.85, chunkId: 'curie:0' },
  { subject: 'Pierre Curie', predicate: 'teach at', object: 'University of Paris', confidence: 0.85, chunkId: 'curie:1' },
  { subject: 'Albert Einstein', predicate: 'visit', object: 'Paris', confidence: 0.9, chunkId: 'curie:1' },
  { subject: 'University of Paris', predicate: 'located in', object: 'Paris', confidence: 0.85, chunkId: 'curie:1' },
];

export const RADIUM_ENTITIES: E[] = [
  { name: 'Henri Becquerel', type: 'person', confidence: 0.9, chunks: ['radium:0'], attributes: { firstName: 'Henri', lastName: 'Becquerel' } },
  // a noun phrase seen twice becomes a term: 0.3 + 0.15 × 2
  { name: 'radioactivity', type: 'term', confidence: 0.6, chunks: ['radium:0'] },
  { name: 'Marie Curie', type: 'person', confidence: 0.9, chunks: ['radium:0'], attributes: { firstName: 'Marie', lastName: 'Curie' } },
  { name: 'Pierre Curie', type: 'person', confidence: 0.9, chunks: ['radium:0'], attributes: { firstName: 'Pierre', lastName: 'Curie' } },
];

export const RADIUM_RELATIONS: R[] = [
  { subject: 'Henri Becquerel', predicate: 'discover', object: 'radioactivity', confidence: 0.9, chunkId: 'radium:0' },
  // "with Pierre Curie" has no verb between radioactivity and Pierre Curie: no relation
  { subject: 'Marie Curie', predicate: 'study', object: 'radioactivity', confidence: 0.9, chunkId: 'radium:0' },
];
