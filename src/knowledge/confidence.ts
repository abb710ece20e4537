/**
 * How sure the extractor is, in one place. compromise gives tags, not probabilities, so the scores
 * come from the evidence behind a tag: a person's first name found in the tagger's lexicon, a place
 * the lexicon knows as a city or country, a multi-word organisation name. Every further mention of an
 * entity in the document removes a fifth of the remaining doubt. All scores are rounded to three
 * decimals so that they read (and compare) cleanly.
 */
import type { EntityType } from './types.js';

/** The evidence for one named-entity mention. */
export interface NamedEvidence {
  type: Exclude<EntityType, 'term'>;
  /** Words in the name. */
  words: number;
  /** The lexicon knows a word as a first name (persons) or the name as a city/country/region (places). */
  known: boolean;
}

/** Confidence of one mention from its tags: persons 0.55–0.9, places 0.6–0.85, organisations 0.65–0.85. */
export function namedBase(e: NamedEvidence): number {
  switch (e.type) {
    case 'person': return round(0.55 + (e.known ? 0.25 : 0) + (e.words >= 2 ? 0.1 : 0));
    case 'place': return round(0.6 + (e.known ? 0.25 : 0));
    case 'organization': return round(0.65 + (e.words >= 2 ? 0.2 : 0));
  }
}

/** `base` after `occurrences` mentions of the entity: 1 - (1 - base) × 0.8^(occurrences - 1), at most 0.99. */
export function boosted(base: number, occurrences: number): number {
  return round(Math.min(0.99, 1 - (1 - base) * 0.8 ** Math.max(0, occurrences - 1)));
}

/** A recurring noun phrase: 0.3 + 0.15 per occurrence, at most 0.9 (2 → 0.6, 3 → 0.75, 4+ → 0.9). */
export function termConfidence(occurrences: number): number {
  return round(Math.min(0.9, 0.3 + 0.15 * occurrences));
}

/**
 * A relation read between two entities `gap` words apart: 0.9 when the verb stands right between
 * them, 0.05 less for each word beyond the second, ×0.8 for a bare copula (`is`) or when a noun
 * between them had to go into the predicate; never below 0.3.
 */
export function relationConfidence(gap: number, weak: boolean): number {
  const c = (0.9 - 0.05 * Math.max(0, gap - 2)) * (weak ? 0.8 : 1);
  return round(Math.max(0.3, c));
}

/** Three decimals. */
export function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
