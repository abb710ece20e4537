import { namedBase } from './confidence.js';
import { normalizeName } from './normalize.js';
import { breaksAfter, isWordlike, withoutPossessive, type Sentence, type Token } from './tokens.js';
import type { EntityType } from './types.js';

/** A mention inside one sentence: words `start` (inclusive) to `end` (exclusive). */
export interface Span {
  start: number;
  end: number;
  type: EntityType;
  /** Display name as written (possessive and honorific removed). */
  name: string;
  norm: string;
}

/** A person, place or organisation mention with its evidence. */
export interface NamedSpan extends Span {
  type: Exclude<EntityType, 'term'>;
  /** Confidence from this mention's tags alone. */
  base: number;
  attributes: Record<string, string>;
}

type NamedType = NamedSpan['type'];

/** Longer runs are headings in title case, not names. */
export const MAX_NAME_WORDS = 5;

/** Organisation wins over person over place: "University of Paris" tags Paris as part of the organisation. */
function namedType(t: Token): NamedType | undefined {
  if (!isWordlike(t)) return undefined;
  if (t.tags.has('Organization')) return 'organization';
  if (t.tags.has('Person')) return 'person';
  if (t.tags.has('Place')) return 'place';
  return undefined;
}

/** Words of one name stay together: nothing that ends a phrase after the previous word, no possessive. */
function continues(s: Sentence, j: number): boolean {
  const prev = s[j - 1]!;
  return !breaksAfter(prev) && !prev.tags.has('Possessive');
}

/**
 * The persons, places and organisations of one sentence: maximal runs of words the tagger gave the
 * same type. A possessive proper noun right after a run belongs to it ("Marie Curie's": compromise
 * drops the Person tag of "Curie's"); a person's leading honorifics ("Dr.") become an attribute.
 */
export function namedSpans(s: Sentence): NamedSpan[] {
  const spans: NamedSpan[] = [];
  let i = 0;
  while (i < s.length) {
    const type = namedType(s[i]!);
    if (!type) {
      i++;
      continue;
    }
    let j = i + 1;
    while (j < s.length && continues(s, j) && namedType(s[j]!) === type) j++;
    const next = s[j];
    if (next && continues(s, j) && next.tags.has('Possessive') && next.tags.has('ProperNoun') && !namedType(next)) j++;
    const span = makeSpan(s, i, j, type);
    if (span) spans.push(span);
    i = j;
  }
  return spans;
}

function makeSpan(s: Sentence, start: number, end: number, type: NamedType): NamedSpan | undefined {
  let first = start;
  // "The" tagged as part of a name by a heading in title case
  while (first < end && s[first]!.tags.has('Determiner')) first++;
  const attributes: Record<string, string> = {};
  if (type === 'person') {
    while (first < end && s[first]!.tags.has('Honorific')) {
      attributes['honorific'] ??= s[first]!.text;
      first++;
    }
  }
  const words = s.slice(first, end);
  if (words.length === 0 || words.length > MAX_NAME_WORDS || !writtenAsName(words, type)) return undefined;
  const name = joinWords(words);
  const norm = normalizeName(name);
  if (norm.length < 2 || !/\p{L}/u.test(norm)) return undefined;
  let known = false;
  if (type === 'person') {
    const firstName = words.find((w) => w.tags.has('FirstName'));
    const lastName = lastNameOf(words);
    if (firstName) attributes['firstName'] = firstName.text;
    if (lastName) attributes['lastName'] = lastName;
    known = firstName !== undefined;
  } else if (type === 'place') {
    const kind = ['City', 'Country', 'Region'].find((k) => words.some((w) => w.tags.has(k)));
    if (kind) attributes['kind'] = kind.toLowerCase();
    known = kind !== undefined;
  }
  return { start, end, type, name, norm, base: namedBase({ type, words: words.length, known }), attributes };
}

/**
 * Written as English writes a name: the last word does not start with a lower-case letter, and no word
 * is an identifier of code (`max_len`, `collections.abc.Mapping`); a person is not one word in capitals
 * (`GIL`, `MARK`: acronyms and constants; `USA` may still be a place). The tagger's lexicon knows
 * `val`, `len`, `mark`, `gil` and `bach` as names wherever they stand.
 */
function writtenAsName(words: readonly Token[], type: NamedType): boolean {
  if (type === 'person' && words.length === 1 && /^\p{Lu}{2,}$/u.test(words[0]!.text)) return false;
  return !/^\p{Ll}/u.test(words[words.length - 1]!.text) && !words.some((w) => /_|\.\p{Ll}/u.test(w.text));
}

/** The last word tagged LastName with the words hyphenated to it (`Joliot-Curie`). */
function lastNameOf(words: readonly Token[]): string | undefined {
  let l = words.length - 1;
  while (l >= 0 && !words[l]!.tags.has('LastName')) l--;
  if (l < 0) return undefined;
  let r = l;
  while (l > 0 && words[l - 1]!.post.trim() === '-') l--;
  while (r + 1 < words.length && words[r]!.post.trim() === '-') r++;
  return joinWords(words.slice(l, r + 1));
}

/** Words joined as written: a hyphen where the text had one (`Joliot-Curie`), else a space. */
export function joinWords(words: readonly Token[], text: (t: Token) => string = withoutPossessive): string {
  let out = '';
  words.forEach((w, k) => {
    if (k > 0) out += words[k - 1]!.post.trim() === '-' ? '-' : ' ';
    out += text(w);
  });
  return out;
}
