import { normalizeName } from './normalize.js';
import type { Span } from './spans.js';
import { breaksAfter, isWordlike, type Sentence, type Token } from './tokens.js';

/** Tags that keep a word out of a term: names, function words, numbers, verbs, possessives. */
const NOT_TERM = ['Pronoun', 'Determiner', 'Value', 'Date', 'Person', 'Place', 'Organization', 'Verb', 'Adverb', 'Preposition', 'Conjunction', 'QuestionWord', 'Possessive', 'Honorific', 'Expression'];

/** Nouns too general to be a term on their own. */
const GENERIC = new Set(['thing', 'way', 'time', 'part', 'lot', 'kind', 'sort', 'type', 'number', 'example', 'case', 'fact', 'use', 'one', 'other', 'year', 'day', 'people', 'person', 'place', 'end', 'start', 'side', 'set', 'point', 'form', 'order', 'result', 'value']);

function isTermWord(t: Token): boolean {
  return (t.tags.has('Noun') || t.tags.has('Adjective')) && isWordlike(t) && !NOT_TERM.some((tag) => t.tags.has(tag));
}

/**
 * Noun phrases of one sentence that may become `term` entities: maximal runs of adjectives and
 * nouns outside the named spans, ending on a noun, at most `maxWords` long (the last words kept).
 * The head noun is singular in the key and the name ("radioactive elements" → "radioactive element");
 * a phrase of proper nouns keeps its capitals ("Nobel Prize"), any other is lower-cased.
 */
export function termSpans(s: Sentence, taken: readonly Span[], maxWords: number): Span[] {
  const used = new Set<number>();
  for (const sp of taken) for (let k = sp.start; k < sp.end; k++) used.add(k);
  const spans: Span[] = [];
  let i = 0;
  while (i < s.length) {
    if (used.has(i) || !isTermWord(s[i]!)) {
      i++;
      continue;
    }
    let j = i + 1;
    while (j < s.length && !used.has(j) && isTermWord(s[j]!) && !breaksAfter(s[j - 1]!)) j++;
    let end = j;
    while (end > i && !s[end - 1]!.tags.has('Noun')) end--;
    const start = Math.max(i, end - maxWords);
    if (end > start) {
      const span = makeTerm(s, start, end);
      if (span) spans.push(span);
    }
    i = j;
  }
  return spans;
}

function makeTerm(s: Sentence, start: number, end: number): Span | undefined {
  const words = s.slice(start, end);
  const last = words.length - 1;
  const head = (t: Token, k: number) => (k === last && t.tags.has('Plural') && t.root ? t.root : t.text);
  const proper = words.every((w) => w.tags.has('ProperNoun'));
  const text = words.map((w, k) => head(w, k)).join(' ');
  const name = proper ? text : text.toLowerCase();
  const norm = normalizeName(name);
  if (norm.length < 3 || !/\p{L}/u.test(norm) || (words.length === 1 && GENERIC.has(norm))) return undefined;
  return { start, end, type: 'term', name, norm };
}
