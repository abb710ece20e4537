import { relationConfidence } from './confidence.js';
import type { Span } from './spans.js';
import { breaksAfter, isPlainWord, type Sentence, type Token } from './tokens.js';

/** A relation read in one sentence between two of its mentions. */
export interface SentenceRelation {
  subject: Span;
  object: Span;
  predicate: string;
  confidence: number;
}

/** More nouns than this between the verb and the object: the sentence is too tangled to read. */
const MAX_PREDICATE_NOUNS = 2;

const isVerb = (t: Token) => t.tags.has('Verb');
const inVerbGroup = (t: Token) => isVerb(t) || t.tags.has('Negative') || t.tags.has('Adverb');

/**
 * Relations between neighbouring mentions of one sentence (in sentence order: the first is the
 * subject): each pair with a verb between them gives one relation whose predicate is that verb,
 * lemmatised, with its negation, any noun that stands between the verb and the object, and the
 * preposition before the object ("worked at the University" → `work at`, "was born in" →
 * `born in`, "did not work at" → `not work at`, "is a professor at" → `be professor at`).
 * Pairs are skipped when the verb's subject is something else: a phrase break (comma, bracket…) or a
 * noun between the first mention and the verb.
 */
export function sentenceRelations(s: Sentence, mentions: readonly Span[]): SentenceRelation[] {
  const sorted = [...mentions].sort((x, y) => x.start - y.start || x.end - y.end);
  const out: SentenceRelation[] = [];
  for (let k = 0; k + 1 < sorted.length; k++) {
    const a = sorted[k]!;
    const b = sorted[k + 1]!;
    if (b.start < a.end || (a.type === b.type && a.norm === b.norm)) continue;
    const read = predicateBetween(s, a.end, b.start);
    if (read) out.push({ subject: a, object: b, predicate: read.predicate, confidence: relationConfidence(b.start - a.end, read.weak) });
  }
  return out;
}

/** The predicate of the words `from` to `to` (exclusive) between two mentions, if they hold a verb. */
export function predicateBetween(s: Sentence, from: number, to: number): { predicate: string; weak: boolean } | undefined {
  let main = -1;
  for (let k = to - 1; k >= from; k--) {
    if (isVerb(s[k]!)) {
      main = k;
      break;
    }
  }
  if (main < 0) return undefined;
  let group = main;
  while (group > from && inVerbGroup(s[group - 1]!)) group--;
  for (let k = from - 1; k < group; k++) {
    if (k >= 0 && breaksAfter(s[k]!)) return undefined;
    if (k >= from && s[k]!.tags.has('Noun')) return undefined;
  }
  const words: string[] = [];
  if (s.slice(group, main + 1).some((t) => t.tags.has('Negative'))) words.push('not');
  const verb = s[main]!;
  const copulaBefore = s.slice(group, main).some((t) => t.tags.has('Copula'));
  let weak = false;
  if (verb.tags.has('Copula')) {
    words.push('be');
    weak = true;
  } else if (copulaBefore && !verb.tags.has('Gerund')) {
    words.push(verb.normal); // passive: the participle says it ("born in", "located in")
  } else {
    words.push(verb.root ?? verb.normal);
  }
  const after = s.slice(main + 1, to);
  const nouns = after.filter((t) => t.tags.has('Noun') && !t.tags.has('Pronoun'));
  if (nouns.length > MAX_PREDICATE_NOUNS || !nouns.every(isPlainWord) || !isPlainWord(verb)) return undefined;
  if (nouns.length > 0) {
    weak = true;
    words.push(...nouns.map((t) => (t.tags.has('Plural') && t.root ? t.root : t.normal)));
  }
  const prep = [...after].reverse().find((t) => t.tags.has('Preposition'));
  if (prep) words.push(prep.normal);
  return { predicate: words.join(' ').toLowerCase(), weak };
}
